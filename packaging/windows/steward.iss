; Inno Setup script: a per-user installer (no administrator rights) for the folder that
; PyInstaller built in dist\steward. Built by packaging/build.py (ISCC /DAppVersion=X.Y.Z).
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F2C1B52-8D7E-4F0A-9B8E-5E1F0C3A7D41}
AppName=Steward
AppVersion={#AppVersion}
AppPublisher=Steward developers
DefaultDirName={localappdata}\Programs\Steward
DefaultGroupName=Steward
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
OutputDir=..\..\dist
OutputBaseFilename=steward-{#AppVersion}-setup
Compression=lzma2/fast
SolidCompression=no
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
UninstallDisplayIcon={app}\steward.exe
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; Flags: unchecked
Name: "autostart"; Description: "Start Steward in the tray when I log in"; Flags: unchecked

[Files]
Source: "..\..\dist\steward\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Steward"; Filename: "{app}\steward.exe"
Name: "{group}\Uninstall Steward"; Filename: "{uninstallexe}"
Name: "{userdesktop}\Steward"; Filename: "{app}\steward.exe"; Tasks: desktopicon
Name: "{userstartup}\Steward"; Filename: "{app}\steward.exe"; Parameters: "--minimized"; Tasks: autostart

[Run]
Filename: "{app}\steward.exe"; Description: "Start Steward"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; the program folder only: the user's encrypted history in %LOCALAPPDATA%\Steward stays
Type: filesandordirs; Name: "{app}"
