<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name></name>
    <message>
        <source>Other computers on your network can reach the model; anyone who has the token can use it. Leave this off unless you need it.</source>
        <translation>网络中的其他电脑可以访问模型；任何持有令牌的人都能使用它。除非确有需要，请保持关闭。</translation>
    </message>
    <message>
        <source>Let my other apps use the model (an OpenAI-compatible API)</source>
        <translation>允许我的其他应用使用模型（OpenAI 兼容 API）</translation>
    </message>
    <message>
        <source>API port</source>
        <translation>API 端口</translation>
    </message>
    <message>
        <source>API token</source>
        <translation>API 令牌</translation>
    </message>
    <message>
        <source>Copy token</source>
        <translation>复制令牌</translation>
    </message>
    <message>
        <source>New token</source>
        <translation>新令牌</translation>
    </message>
    <message>
        <source>Make a new token; apps using the old one are refused from then on.</source>
        <translation>生成新令牌；此后使用旧令牌的应用将被拒绝。</translation>
    </message>
    <message>
        <source>Also answer other computers on the network</source>
        <translation>同时响应网络中的其他电脑</translation>
    </message>
    <message>
        <source>Keep what they ask, and the answers, in my history</source>
        <translation>把它们的提问和回答保存在我的历史记录中</translation>
    </message>
    <message>
        <source>Let them switch to another of my models by naming it</source>
        <translation>允许它们通过名称切换到我的其他模型</translation>
    </message>
    <message>
        <source>Let the cloud fallback answer them too, under its policy (Settings › Cloud)</source>
        <translation>也让云端备用按其策略回答它们（设置 › 云端）</translation>
    </message>
    <message>
        <source>none (web pages cannot call it)</source>
        <translation>无（网页无法调用）</translation>
    </message>
    <message>
        <source>Web pages allowed to call the API</source>
        <translation>允许调用 API 的网页</translation>
    </message>
    <message>
        <source>Editors, scripts and other apps on this computer can use your local model with the token below. Your chat comes first; what they ask goes to the cloud and is kept in your history only if you choose so below.</source>
        <translation>这台电脑上的编辑器、脚本和其他应用可以凭下面的令牌使用你的本地模型。你的聊天优先；只有你在下面选择了，它们的提问才会发往云端或保存在你的历史记录中。</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>端口(&amp;P)：</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <source>Token:</source>
        <translation>令牌：</translation>
    </message>
    <message>
        <source>&amp;Web pages allowed:</source>
        <translation>允许的网页(&amp;W)：</translation>
    </message>
    <message>
        <source>http://127.0.0.1:{0}/v1</source>
        <translation>http://127.0.0.1:{0}/v1</translation>
    </message>
    <message>
        <source>{0} opens this prompt from anywhere.</source>
        <translation>{0} 可在任何地方打开此提问框。</translation>
    </message>
    <message>
        <source>Steward closed unexpectedly last time. A report (no message text in it) is in {0}. Nothing you had saved was lost.</source>
        <translation>Steward 上次意外关闭。报告（不含任何消息内容）位于 {0}。你已保存的内容均未丢失。</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Timed out</source>
        <translation>超时</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Not approved</source>
        <translation>未获批准</translation>
    </message>
    <message>
        <source>Needs approval</source>
        <translation>需要批准</translation>
    </message>
    <message>
        <source>Blocked: a tool changed</source>
        <translation>已阻止：某个工具已更改</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>Skipped (too many at once)</source>
        <translation>已跳过（同时运行过多）</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>关</translation>
    </message>
    <message>
        <source>{0:.0f} ms</source>
        <translation>{0:.0f} 毫秒</translation>
    </message>
    <message>
        <source>, undone</source>
        <translation>，已撤销</translation>
    </message>
    <message>
        <source>, {0} attempts</source>
        <translation>，尝试 {0} 次</translation>
    </message>
    <message>
        <source>in:</source>
        <translation>输入：</translation>
    </message>
    <message>
        <source>out:</source>
        <translation>输出：</translation>
    </message>
    <message>
        <source>Files changed</source>
        <translation>更改的文件</translation>
    </message>
    <message>
        <source> (new)</source>
        <translation>（新建）</translation>
    </message>
    <message>
        <source> — undo: {0}</source>
        <translation> — 撤销：{0}</translation>
    </message>
    <message>
        <source>Allow this step? — Steward</source>
        <translation>允许此步骤吗？— Steward</translation>
    </message>
    <message>
        <source>The workflow “{0}” wants to run step {1} ({2}):

{3}</source>
        <translation>工作流“{0}”想要运行第 {1} 步（{2}）：

{3}</translation>
    </message>
    <message>
        <source>Permissions: {0}</source>
        <translation>权限：{0}</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>“Always” approves this workflow exactly as it is now; any change to its steps or permissions asks again.</source>
        <translation>“始终”会批准此工作流的当前版本；步骤或权限一旦更改，会再次询问。</translation>
    </message>
    <message>
        <source>Allow &amp;once</source>
        <translation>允许一次(&amp;O)</translation>
    </message>
    <message>
        <source>&amp;Always for this workflow</source>
        <translation>对此工作流始终允许(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Don&apos;t allow</source>
        <translation>不允许(&amp;D)</translation>
    </message>
    <message>
        <source>Allow this tool call? — Steward</source>
        <translation>允许调用此工具吗？— Steward</translation>
    </message>
    <message>
        <source>“{0}” wants to call the tool {1} of the MCP server {2} (step {3}).</source>
        <translation>“{0}”想要调用 MCP 服务器 {2} 的工具 {1}（第 {3} 步）。</translation>
    </message>
    <message>
        <source>With these arguments:</source>
        <translation>参数如下：</translation>
    </message>
    <message>
        <source>With arguments of {0:,} characters: all of them are under Show Details.</source>
        <translation>参数共 {0:,} 个字符：全部内容见“显示详细信息”。</translation>
    </message>
    <message>
        <source>“Always” allows this tool, as the server describes it now, without asking again; if the server changes its description, the tool is blocked until you review the change.</source>
        <translation>“始终”会按服务器当前的描述允许此工具，不再询问；如果服务器更改了描述，该工具会被阻止，直到你审阅更改。</translation>
    </message>
    <message>
        <source>&amp;Always for this tool</source>
        <translation>对此工具始终允许(&amp;A)</translation>
    </message>
    <message>
        <source>the local model is not loaded (see the banner in the window)</source>
        <translation>本地模型尚未加载（见窗口中的横幅）</translation>
    </message>
    <message>
        <source>Edit workflow — Steward</source>
        <translation>编辑工作流 — Steward</translation>
    </message>
    <message>
        <source>Workflow as JSON</source>
        <translation>工作流的 JSON</translation>
    </message>
    <message>
        <source>Checked as you type; problems show below</source>
        <translation>输入时即检查；问题显示在下方</translation>
    </message>
    <message>
        <source>Save the changed workflow</source>
        <translation>保存修改后的工作流</translation>
    </message>
    <message>
        <source>Close without saving</source>
        <translation>关闭，不保存</translation>
    </message>
    <message>
        <source>this workflow&apos;s JSON</source>
        <translation>此工作流的 JSON</translation>
    </message>
    <message>
        <source>Valid.</source>
        <translation>有效。</translation>
    </message>
    <message>
        <source>
⚠ Careful: it {0}.</source>
        <translation>
⚠ 注意：它会{0}。</translation>
    </message>
    <message>
        <source>… and {0} more</source>
        <translation>……还有 {0} 项</translation>
    </message>
    <message>
        <source>Not valid, so it cannot be saved:</source>
        <translation>无效，因此无法保存：</translation>
    </message>
    <message>
        <source>Automations — Steward</source>
        <translation>自动化 — Steward</translation>
    </message>
    <message>
        <source>Workflows</source>
        <translation>工作流</translation>
    </message>
    <message>
        <source>Workflow</source>
        <translation>工作流</translation>
    </message>
    <message>
        <source>Trigger</source>
        <translation>触发条件</translation>
    </message>
    <message>
        <source>Next run</source>
        <translation>下次运行</translation>
    </message>
    <message>
        <source>Last result</source>
        <translation>上次结果</translation>
    </message>
    <message>
        <source>Runs of the chosen workflow</source>
        <translation>所选工作流的运行记录</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>用时</translation>
    </message>
    <message>
        <source>Details of the chosen workflow or run</source>
        <translation>所选工作流或运行的详情</translation>
    </message>
    <message>
        <source>Run now</source>
        <translation>立即运行</translation>
    </message>
    <message>
        <source>Dry run</source>
        <translation>试运行</translation>
    </message>
    <message>
        <source>Add from file…</source>
        <translation>从文件添加…</translation>
    </message>
    <message>
        <source>Edit…</source>
        <translation>编辑…</translation>
    </message>
    <message>
        <source>Edit JSON…</source>
        <translation>编辑 JSON…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <source>Undo file changes</source>
        <translation>撤销文件更改</translation>
    </message>
    <message>
        <source>Checked workflows may start on their trigger</source>
        <translation>勾选的工作流可由其触发条件启动</translation>
    </message>
    <message>
        <source>Newest first: when each run started, how it ended, how long</source>
        <translation>最新的在前：每次运行的开始时间、结果和用时</translation>
    </message>
    <message>
        <source>The steps, permissions and outcome of what is chosen above</source>
        <translation>上方所选项的步骤、权限和结果</translation>
    </message>
    <message>
        <source>Run the chosen workflow now, as approved</source>
        <translation>按已批准的内容立即运行所选工作流</translation>
    </message>
    <message>
        <source>See what each step would do, changing nothing</source>
        <translation>查看每一步将会做什么，不做任何更改</translation>
    </message>
    <message>
        <source>Add a workflow from a JSON file; it is reviewed first</source>
        <translation>从 JSON 文件添加工作流；会先经过审阅</translation>
    </message>
    <message>
        <source>Change the chosen workflow&apos;s steps and trigger</source>
        <translation>修改所选工作流的步骤和触发条件</translation>
    </message>
    <message>
        <source>Change the chosen workflow as JSON, checked as you type</source>
        <translation>以 JSON 修改所选工作流，输入时即检查</translation>
    </message>
    <message>
        <source>Delete the chosen workflow; its runs stay in the history</source>
        <translation>删除所选工作流；其运行记录保留在历史中</translation>
    </message>
    <message>
        <source>Put back the files the chosen run moved, renamed or wrote</source>
        <translation>还原所选运行移动、重命名或写入的文件</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <source>Never run</source>
        <translation>从未运行</translation>
    </message>
    <message>
        <source>Checked: its trigger may start it</source>
        <translation>勾选：其触发条件可以启动它</translation>
    </message>
    <message>
        <source>No workflows yet. Describe one in the chat, or &lt;b&gt;Add from file…&lt;/b&gt; takes a workflow document, such as those in examples/workflows.</source>
        <translation>还没有工作流。在对话中描述一个，或用&lt;b&gt;从文件添加…&lt;/b&gt;导入工作流文档，例如 examples/workflows 中的那些。</translation>
    </message>
    <message>
        <source>It has not run yet.</source>
        <translation>它还没有运行过。</translation>
    </message>
    <message>
        <source> (dry run)</source>
        <translation>（试运行）</translation>
    </message>
    <message>
        <source>“{0}” is {1}.</source>
        <translation>“{0}”已{1}。</translation>
    </message>
    <message>
        <source>Dry run of “{0}”…</source>
        <translation>正在试运行“{0}”…</translation>
    </message>
    <message>
        <source>Running “{0}”…</source>
        <translation>正在运行“{0}”…</translation>
    </message>
    <message>
        <source> Nothing was changed.</source>
        <translation> 没有做任何更改。</translation>
    </message>
    <message>
        <source>{0} was not saved: it is not a valid workflow.</source>
        <translation>{0} 未保存：它不是有效的工作流。</translation>
    </message>
    <message>
        <source>Not a valid workflow — Steward</source>
        <translation>不是有效的工作流 — Steward</translation>
    </message>
    <message>
        <source>{0} was not saved:

{1}</source>
        <translation>{0} 未保存：

{1}</translation>
    </message>
    <message>
        <source>Saved “{0}”. Steps that change files, use the network or run programs ask for approval on the first run.</source>
        <translation>已保存“{0}”。会更改文件、使用网络或运行程序的步骤在首次运行时会请求批准。</translation>
    </message>
    <message>
        <source>Add a workflow</source>
        <translation>添加工作流</translation>
    </message>
    <message>
        <source>Workflows (*.json)</source>
        <translation>工作流 (*.json)</translation>
    </message>
    <message>
        <source>Cannot read {0}: {1}</source>
        <translation>无法读取 {0}：{1}</translation>
    </message>
    <message>
        <source> It asks for approval again before steps that need it.</source>
        <translation> 运行需要批准的步骤前，它会再次请求批准。</translation>
    </message>
    <message>
        <source>Saved “{0}”.{1}</source>
        <translation>已保存“{0}”。{1}</translation>
    </message>
    <message>
        <source>Delete workflow — Steward</source>
        <translation>删除工作流 — Steward</translation>
    </message>
    <message>
        <source>Delete “{0}”? Its run history stays.</source>
        <translation>删除“{0}”吗？它的运行记录会保留。</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Deleted “{0}”.</source>
        <translation>已删除“{0}”。</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Languages</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Models to download</source>
        <translation>可下载的模型</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download from a URL…</source>
        <translation>从网址下载…</translation>
    </message>
    <message>
        <source>Models Steward knows, with what each needs from this computer</source>
        <translation>Steward 所知的模型，以及每个模型对这台电脑的要求</translation>
    </message>
    <message>
        <source>Download the chosen model; it is checked before use</source>
        <translation>下载所选模型；使用前会先校验</translation>
    </message>
    <message>
        <source>Download a .gguf file from its address</source>
        <translation>从地址下载 .gguf 文件</translation>
    </message>
    <message>
        <source>Models anyone can download. The memory column compares what each needs with what this computer has free now; the download is checked against the hub&apos;s size and SHA-256 before it is used.</source>
        <translation>任何人都可以下载的模型。“内存”一栏比较每个模型所需内存与这台电脑当前的可用内存；下载完成后会先按模型库给出的大小和 SHA-256 校验，再投入使用。</translation>
    </message>
    <message>
        <source>downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; ({1} parameters, {2}) — {3}&lt;br&gt;{4}&lt;br&gt;{5} · {6} · revision {7}&lt;br&gt;&lt;small&gt;Sources: {8}&lt;/small&gt;</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt;（{1} 参数，{2}）— {3}&lt;br&gt;{4}&lt;br&gt;{5} · {6} · 修订版 {7}&lt;br&gt;&lt;small&gt;来源：{8}&lt;/small&gt;</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>error</source>
        <translation>出错</translation>
    </message>
    <message>
        <source>cut off</source>
        <translation>被截断</translation>
    </message>
    <message>
        <source>local</source>
        <translation>本地</translation>
    </message>
    <message>
        <source>cloud</source>
        <translation>云端</translation>
    </message>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>☁ cloud</source>
        <translation>☁ 云端</translation>
    </message>
    <message>
        <source>Stopped at the length limit</source>
        <translation>在长度上限处停止</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续写</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>The messages of the open conversation</source>
        <translation>当前对话的消息</translation>
    </message>
    <message>
        <source>↑ Earlier messages (scroll up)</source>
        <translation>↑ 更早的消息（向上滚动）</translation>
    </message>
    <message>
        <source>↓ Newer messages (scroll down)</source>
        <translation>↓ 更新的消息（向下滚动）</translation>
    </message>
    <message>
        <source>Message Steward — Enter to send, Shift+Enter for a new line</source>
        <translation>给 Steward 发消息 — Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter starts a new line, Escape stops an answer</source>
        <translation>Enter 发送，Shift+Enter 换行，Esc 停止回答</translation>
    </message>
    <message>
        <source>{0}
Updated {1}</source>
        <translation>{0}
更新于 {1}</translation>
    </message>
    <message>
        <source>New conversation</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Rename conversation</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>重命名</translation>
    </message>
    <message>
        <source>Delete conversation — Steward</source>
        <translation>删除对话 — Steward</translation>
    </message>
    <message>
        <source>Delete “{0}” and all its messages?</source>
        <translation>删除“{0}”及其全部消息吗？</translation>
    </message>
    <message>
        <source>This cannot be undone.</source>
        <translation>此操作无法撤销。</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>删除(&amp;D)</translation>
    </message>
    <message>
        <source>No messages match “{0}”.</source>
        <translation>没有消息包含“{0}”。</translation>
    </message>
    <message>
        <source>{0} conversation{1} match; opening one shows the match.</source>
        <translation>{0} 个对话匹配；打开后会显示匹配之处。</translation>
    </message>
    <message>
        <source>Steward hit a problem</source>
        <translation>Steward 遇到问题</translation>
    </message>
    <message>
        <source>Something went wrong inside Steward. Your conversations are safe: every message is saved as it is written. The report below contains no message text, keys or passphrases. It was saved to:
{0}</source>
        <translation>Steward 内部出了问题。你的对话是安全的：每条消息在写出时都已保存。下面的报告不含任何消息内容、密钥或口令。报告已保存到：
{0}</translation>
    </message>
    <message>
        <source>Copy report</source>
        <translation>复制报告</translation>
    </message>
    <message>
        <source>Crash report</source>
        <translation>崩溃报告</translation>
    </message>
    <message>
        <source>What failed, without any message text</source>
        <translation>出错之处，不含任何消息文本</translation>
    </message>
    <message>
        <source>Copy the report to the clipboard, to send it with a bug report</source>
        <translation>将报告复制到剪贴板，以便随问题报告一起发送</translation>
    </message>
    <message>
        <source>Close this message</source>
        <translation>关闭此消息</translation>
    </message>
    <message>
        <source>Steward is locked: your history stays encrypted until you unlock it. Automations do not run while it is locked.</source>
        <translation>Steward 已锁定：在你解锁之前，历史记录保持加密。锁定期间自动化不会运行。</translation>
    </message>
    <message>
        <source>Send to the cloud? — Steward</source>
        <translation>发送到云端吗？— Steward</translation>
    </message>
    <message>
        <source>{0} messages, {1:,} characters</source>
        <translation>{0} 条消息，{1:,} 个字符</translation>
    </message>
    <message>
        <source>The local model cannot answer: {0}.

Send “{1}” ({2}) to {3}, model {4}?</source>
        <translation>本地模型无法回答：{0}。

要把“{1}”（{2}）发送到 {3}（模型 {4}）吗？</translation>
    </message>
    <message>
        <source>Send &amp;once</source>
        <translation>发送一次(&amp;O)</translation>
    </message>
    <message>
        <source>Allow for this &amp;conversation</source>
        <translation>在此对话中允许(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Don&apos;t send</source>
        <translation>不发送(&amp;D)</translation>
    </message>
    <message>
        <source>Off.</source>
        <translation>关。</translation>
    </message>
    <message>
        <source>No local model</source>
        <translation>没有本地模型</translation>
    </message>
    <message>
        <source>Loading {0}… you can type meanwhile.</source>
        <translation>正在加载 {0}… 你可以先输入。</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Model failed to load</source>
        <translation>模型加载失败</translation>
    </message>
    <message>
        <source>Steward: {0} — {1}</source>
        <translation>Steward：{0} — {1}</translation>
    </message>
    <message>
        <source>Language changed: dialogs use it when next opened.</source>
        <translation>语言已更改：对话框会在下次打开时使用新语言。</translation>
    </message>
    <message>
        <source>Applying settings for {0}…</source>
        <translation>正在为 {0} 应用设置…</translation>
    </message>
    <message>
        <source>{0} · local · context {1}</source>
        <translation>{0} · 本地 · 上下文 {1}</translation>
    </message>
    <message>
        <source>Not running: {0}</source>
        <translation>未运行：{0}</translation>
    </message>
    <message>
        <source>The local API is not running: {0}</source>
        <translation>本地 API 未运行：{0}</translation>
    </message>
    <message>
        <source>Answering on {0}</source>
        <translation>正在 {0} 上响应</translation>
    </message>
    <message>
        <source>Discard changes? — Steward</source>
        <translation>放弃更改吗？— Steward</translation>
    </message>
    <message>
        <source>Your changes to {0} are not saved.</source>
        <translation>你对{0}的更改尚未保存。</translation>
    </message>
    <message>
        <source>Discard changes</source>
        <translation>放弃更改</translation>
    </message>
    <message>
        <source>Keep editing</source>
        <translation>继续编辑</translation>
    </message>
    <message>
        <source>What can I help you with?</source>
        <translation>有什么可以帮你？</translation>
    </message>
    <message>
        <source>Steward answers on this computer, and keeps every conversation encrypted on your disk.</source>
        <translation>Steward 在这台电脑上作答，并把每段对话加密保存在你的磁盘上。</translation>
    </message>
    <message>
        <source>Explain the difference between a process and a thread.</source>
        <translation>解释一下进程和线程的区别。</translation>
    </message>
    <message>
        <source>Every Friday at 5 pm, move the PDFs in ~/Downloads into ~/Documents/PDFs.</source>
        <translation>每周五下午 5 点，把 ~/Downloads 里的 PDF 移到 ~/Documents/PDFs。</translation>
    </message>
    <message>
        <source>Ask anything</source>
        <translation>随便问</translation>
    </message>
    <message>
        <source>Draft an automation</source>
        <translation>起草一个自动化</translation>
    </message>
    <message>
        <source>Press {0} anywhere to ask without opening this window, or use the tray icon&apos;s Quick prompt.</source>
        <translation>在任何地方按 {0} 即可提问，无需打开此窗口；也可以用托盘图标的“快速提问”。</translation>
    </message>
    <message>
        <source>Puts this example in the message box</source>
        <translation>把这个示例放进消息框</translation>
    </message>
    <message>
        <source>global hotkeys need X11 (this is {0}); bind `steward --quick` to a shortcut in your desktop&apos;s settings instead</source>
        <translation>全局快捷键需要 X11（当前是 {0}）；请在桌面设置中把 `steward --quick` 绑定到一个快捷键</translation>
    </message>
    <message>
        <source>python-xlib is not installed</source>
        <translation>未安装 python-xlib</translation>
    </message>
    <message>
        <source>cannot connect to the X server ({0})</source>
        <translation>无法连接到 X 服务器（{0}）</translation>
    </message>
    <message>
        <source>{0} is already taken by another program</source>
        <translation>{0} 已被其他程序占用</translation>
    </message>
    <message>
        <source>{0} earlier messages no longer fit the model&apos;s {1}-token context and were left out of this answer.</source>
        <translation>{0} 条较早的消息超出了模型 {1} 个 token 的上下文，本次回答未包含它们。</translation>
    </message>
    <message>
        <source>Waiting: another answer (in the quick prompt) comes first…</source>
        <translation>等待中：另一个回答（在快速提问中）优先…</translation>
    </message>
    <message>
        <source>Drafting a workflow…</source>
        <translation>正在起草工作流…</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Code copied</source>
        <translation>代码已复制</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>On this computer · cloud when asked</source>
        <translation>在这台电脑上 · 需要时用云端</translation>
    </message>
    <message>
        <source>On this computer</source>
        <translation>在这台电脑上</translation>
    </message>
    <message>
        <source>Send this message to {0} at {1} (Ctrl+Shift+Enter)</source>
        <translation>把这条消息发送到 {1} 上的 {0}（Ctrl+Shift+Enter）</translation>
    </message>
    <message>
        <source>Still answering: Stop (Esc) ends this answer, or wait and send again. Your message stays in the box.</source>
        <translation>仍在回答：停止（Esc）可结束本次回答，或等它答完再发送。你的消息仍留在输入框中。</translation>
    </message>
    <message>
        <source>Draft ready: review it below.</source>
        <translation>草稿已就绪：请在下方审阅。</translation>
    </message>
    <message>
        <source>One question first: answer it below.</source>
        <translation>先回答一个问题：请在下方作答。</translation>
    </message>
    <message>
        <source>Steward can&apos;t do that: the card says why.</source>
        <translation>Steward 做不到：卡片中说明了原因。</translation>
    </message>
    <message>
        <source>Workflow saved.</source>
        <translation>工作流已保存。</translation>
    </message>
    <message>
        <source>Editing your last message: Enter resends it</source>
        <translation>正在编辑你的上一条消息：按 Enter 重新发送</translation>
    </message>
    <message>
        <source>{0} · {1} · {2:.0f} tok/s</source>
        <translation>{0} · {1} · {2:.0f} token/秒</translation>
    </message>
    <message>
        <source>The answer reached the length limit ({0} tokens): Continue under it goes on.</source>
        <translation>回答达到了长度上限（{0} 个 token）：点击下方的“继续”接着写。</translation>
    </message>
    <message>
        <source>Steward</source>
        <translation>Steward</translation>
    </message>
    <message>
        <source>Unlock…</source>
        <translation>解锁…</translation>
    </message>
    <message>
        <source>Search all messages</source>
        <translation>搜索全部消息</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话列表</translation>
    </message>
    <message>
        <source>Start a new conversation (Ctrl+N)</source>
        <translation>开始新对话（Ctrl+N）</translation>
    </message>
    <message>
        <source>Automations</source>
        <translation>自动化</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Enter your passphrase to open your history</source>
        <translation>输入密码短语以打开你的历史记录</translation>
    </message>
    <message>
        <source>Finds the words in every conversation; the list shows where (Ctrl+F)</source>
        <translation>在所有对话中查找这些词；列表显示其所在位置（Ctrl+F）</translation>
    </message>
    <message>
        <source>Clear the search</source>
        <translation>清除搜索</translation>
    </message>
    <message>
        <source>Newest first; the one chosen opens, F2 renames it, Delete deletes it</source>
        <translation>最新的在前；选中即打开，F2 重命名，Delete 删除</translation>
    </message>
    <message>
        <source>Appearance, language, models, cloud, tools and the local API (Ctrl+,)</source>
        <translation>外观、语言、模型、云端、工具和本地 API（Ctrl+,）</translation>
    </message>
    <message>
        <source>Your workflows, their runs and their approvals</source>
        <translation>你的工作流、它们的运行记录和批准</translation>
    </message>
    <message>
        <source>Write the last answer again</source>
        <translation>重新生成最后一条回答</translation>
    </message>
    <message>
        <source>Edit last</source>
        <translation>编辑上一条</translation>
    </message>
    <message>
        <source>Put your last message back in the box to change it; its answer is replaced</source>
        <translation>将你的最后一条消息放回输入框以便修改；其回答将被替换</translation>
    </message>
    <message>
        <source>Ask cloud</source>
        <translation>问云端</translation>
    </message>
    <message>
        <source>Send this message to the cloud endpoint set in Settings › Cloud (Ctrl+Shift+Enter)</source>
        <translation>把这条消息发送到“设置 › 云端”中设定的云端接口（Ctrl+Shift+Enter）</translation>
    </message>
    <message>
        <source>Stop the answer; what was written is kept (Escape)</source>
        <translation>停止回答；已写出的内容会保留（Esc）</translation>
    </message>
    <message>
        <source>Send the message to the model (Enter)</source>
        <translation>将消息发送给模型（Enter）</translation>
    </message>
    <message>
        <source>Unlocking…</source>
        <translation>正在解锁…</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>verified by the hub</source>
        <translation>已由模型库校验</translation>
    </message>
    <message>
        <source>verified against the SHA-256 you gave</source>
        <translation>已按你提供的 SHA-256 校验</translation>
    </message>
    <message>
        <source>unverified: the server gave no hash</source>
        <translation>未校验：服务器没有提供哈希值</translation>
    </message>
    <message>
        <source>The download failed unexpectedly ({0}).</source>
        <translation>下载意外失败（{0}）。</translation>
    </message>
    <message>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>optional: the file&apos;s SHA-256</source>
        <translation>可选：文件的 SHA-256</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Use this model</source>
        <translation>使用此模型</translation>
    </message>
    <message>
        <source>The address of a .gguf file</source>
        <translation>.gguf 文件的地址</translation>
    </message>
    <message>
        <source>Given, the file is checked against it before it is used</source>
        <translation>填写后，文件在使用前会按它校验</translation>
    </message>
    <message>
        <source>Download into Steward&apos;s models folder; it can resume</source>
        <translation>下载到 Steward 的模型文件夹；可以断点续传</translation>
    </message>
    <message>
        <source>Pause the download, or go on from where it stopped</source>
        <translation>暂停下载，或从中断处继续</translation>
    </message>
    <message>
        <source>Stop the download and delete what was downloaded</source>
        <translation>停止下载并删除已下载的部分</translation>
    </message>
    <message>
        <source>Answer with the downloaded model from now on</source>
        <translation>从现在起使用下载的模型回答</translation>
    </message>
    <message>
        <source>Close this window</source>
        <translation>关闭此窗口</translation>
    </message>
    <message>
        <source>URL:</source>
        <translation>网址：</translation>
    </message>
    <message>
        <source>SHA-256:</source>
        <translation>SHA-256：</translation>
    </message>
    <message>
        <source>The file goes to {0}. It is used only once its size and SHA-256 match; a paused or interrupted download resumes where it stopped.</source>
        <translation>文件将保存到 {0}。只有大小和 SHA-256 都匹配后才会使用；暂停或中断的下载会从停下的地方继续。</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Download {0}</source>
        <translation>下载 {0}</translation>
    </message>
    <message>
        <source>Already downloaded: {0}</source>
        <translation>已下载：{0}</translation>
    </message>
    <message>
        <source>Resuming…</source>
        <translation>正在继续…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Pausing…</source>
        <translation>正在暂停…</translation>
    </message>
    <message>
        <source>{0} of {1}</source>
        <translation>{0} / {1}</translation>
    </message>
    <message>
        <source> · {0} left</source>
        <translation> · 剩余 {0}</translation>
    </message>
    <message>
        <source> · resumed at {0}</source>
        <translation> · 从 {0} 处继续</translation>
    </message>
    <message>
        <source>Downloaded {0} ({1}, {2}).
SHA-256 {3}</source>
        <translation>已下载 {0}（{1}，{2}）。
SHA-256 {3}</translation>
    </message>
    <message>
        <source>Cancelled; the partial file was deleted.</source>
        <translation>已取消；部分下载的文件已删除。</translation>
    </message>
    <message>
        <source>Paused; what arrived is kept. Resume now, or Download the same URL later.</source>
        <translation>已暂停；已下载的部分会保留。可以现在继续，或以后再下载同一网址。</translation>
    </message>
    <message>
        <source>The model that writes the answers (each answer records its model)</source>
        <translation>负责写回答的模型（每条回答都会记录所用模型）</translation>
    </message>
    <message>
        <source>{0} (missing)</source>
        <translation>{0}（文件缺失）</translation>
    </message>
    <message>
        <source>a file chosen with --model</source>
        <translation>用 --model 选择的文件</translation>
    </message>
    <message>
        <source>Manage models…</source>
        <translation>管理模型…</translation>
    </message>
    <message>
        <source>Choose a chat format</source>
        <translation>选择聊天格式</translation>
    </message>
    <message>
        <source>&lt;b&gt;{0}&lt;/b&gt; cannot be used as it is: {1}. Models are trained on one way of marking who says what; choose the one its page names (most recent models use ChatML or their family&apos;s own). Steward remembers the choice for this model.</source>
        <translation>&lt;b&gt;{0}&lt;/b&gt; 无法直接使用：{1}。模型在训练时采用某一种方式标记谁在说话；请选择其页面上注明的那种（大多数较新的模型使用 ChatML 或其所属系列自己的格式）。Steward 会为此模型记住你的选择。</translation>
    </message>
    <message>
        <source>Use this format</source>
        <translation>使用此格式</translation>
    </message>
    <message>
        <source>What the model would read:</source>
        <translation>模型将读到的内容：</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>位置</translation>
    </message>
    <message>
        <source>The file is gone: {0}.</source>
        <translation>文件已不存在：{0}。</translation>
    </message>
    <message>
        <source>{0} · trained for {1:,} tokens of context</source>
        <translation>{0} · 训练上下文 {1:,} 个 token</translation>
    </message>
    <message>
        <source>Memory: {0}</source>
        <translation>内存：{0}</translation>
    </message>
    <message>
        <source>Chat format: {0} ({1}).</source>
        <translation>聊天格式：{0}（{1}）。</translation>
    </message>
    <message>
        <source>Chat template: from the file, checked.</source>
        <translation>聊天模板：来自文件，已检查。</translation>
    </message>
    <message>
        <source>Chat template: {0}; choosing the model asks for a format.</source>
        <translation>聊天模板：{0}；选择此模型时会请你选一种格式。</translation>
    </message>
    <message>
        <source>Models — Steward</source>
        <translation>模型 — Steward</translation>
    </message>
    <message>
        <source>Models on this computer</source>
        <translation>这台电脑上的模型</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Add a file…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Find models on this computer</source>
        <translation>在这台电脑上查找模型</translation>
    </message>
    <message>
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
    <message>
        <source>Looks where the Hugging Face cache, LM Studio, GPT4All, Jan and Ollama keep models. Found models stay where they are: nothing is copied.</source>
        <translation>在 Hugging Face 缓存、LM Studio、GPT4All、Jan 和 Ollama 存放模型的位置查找。找到的模型保留在原处，不会复制。</translation>
    </message>
    <message>
        <source>Each model&apos;s size, what it needs, and whether it is in use</source>
        <translation>每个模型的大小、所需资源以及是否正在使用</translation>
    </message>
    <message>
        <source>Answer with the chosen model from now on</source>
        <translation>从现在起使用所选模型回答</translation>
    </message>
    <message>
        <source>Take the chosen model off the list; a downloaded one is deleted</source>
        <translation>从列表中移除所选模型；下载的模型会被删除</translation>
    </message>
    <message>
        <source>Add a .gguf file; it is used where it is</source>
        <translation>添加 .gguf 文件；文件留在原处使用</translation>
    </message>
    <message>
        <source>Models to download, checked before use</source>
        <translation>可下载的模型，使用前会先校验</translation>
    </message>
    <message>
        <source>The models Steward can answer with. Drop a .gguf file here to add it; it is used where it is.</source>
        <translation>Steward 可以用来回答的模型。把 .gguf 文件拖到这里即可添加；文件保留在原处使用。</translation>
    </message>
    <message>
        <source>  (in use)</source>
        <translation>（使用中）</translation>
    </message>
    <message>
        <source>missing</source>
        <translation>文件缺失</translation>
    </message>
    <message>
        <source>Remove from list</source>
        <translation>从列表中移除</translation>
    </message>
    <message>
        <source>Loading {0}…</source>
        <translation>正在加载 {0}…</translation>
    </message>
    <message>
        <source>Steward now answers with {0}.</source>
        <translation>Steward 现在使用 {0} 回答。</translation>
    </message>
    <message>
        <source>Delete {0}? Its file ({1}) is deleted.</source>
        <translation>删除 {0} 吗？它的文件（{1}）会被删除。</translation>
    </message>
    <message>
        <source>Remove {0} from the list? Its file stays where it is ({1}); a search for models will not list it again.</source>
        <translation>从列表中移除 {0} 吗？文件仍保留在原处（{1}）；以后查找模型时不会再列出它。</translation>
    </message>
    <message>
        <source>Remove a model — Steward</source>
        <translation>移除模型 — Steward</translation>
    </message>
    <message>
        <source> Steward answers with the embedded model again.</source>
        <translation> Steward 重新使用内置模型回答。</translation>
    </message>
    <message>
        <source>Add a model</source>
        <translation>添加模型</translation>
    </message>
    <message>
        <source>GGUF models (*.gguf);;All files (*)</source>
        <translation>GGUF 模型 (*.gguf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Added {0}; it is used where it is.</source>
        <translation>已添加 {0}；文件保留在原处使用。</translation>
    </message>
    <message>
        <source>{0} is in the list already, as {1}.</source>
        <translation>{0} 已在列表中，名为 {1}。</translation>
    </message>
    <message>
        <source>Looking for models in other apps&apos; folders…</source>
        <translation>正在其他应用的文件夹中查找模型…</translation>
    </message>
    <message>
        <source>Found {0} new models</source>
        <translation>找到 {0} 个新模型</translation>
    </message>
    <message>
        <source>Found 1 new model</source>
        <translation>找到 1 个新模型</translation>
    </message>
    <message>
        <source>; {0} listed already</source>
        <translation>；{0} 个已在列表中</translation>
    </message>
    <message>
        <source>. They stay where they are.</source>
        <translation>。它们保留在原处。</translation>
    </message>
    <message>
        <source>Steward quick prompt</source>
        <translation>Steward 快速提问</translation>
    </message>
    <message>
        <source>Quick question</source>
        <translation>快速提问</translation>
    </message>
    <message>
        <source>Ask Steward… (Enter to send, Esc to close)</source>
        <translation>问 Steward…（Enter 发送，Esc 关闭）</translation>
    </message>
    <message>
        <source>Steward answers below; Enter sends, Escape closes the prompt</source>
        <translation>Steward 在下方回答；Enter 发送，Esc 关闭提示框</translation>
    </message>
    <message>
        <source>Answer</source>
        <translation>回答</translation>
    </message>
    <message>
        <source>The answer to the quick question</source>
        <translation>快速提问的回答</translation>
    </message>
    <message>
        <source>Continue this conversation in Steward&apos;s window</source>
        <translation>在 Steward 窗口中继续此对话</translation>
    </message>
    <message>
        <source>Open in Steward</source>
        <translation>在 Steward 中打开</translation>
    </message>
    <message>
        <source>Waiting for your history to open ({0} question{1}): unlock Steward if it asks, and the answer comes here.</source>
        <translation>正在等待历史记录打开（{0} 个问题）：如果 Steward 要求，请解锁，回答会显示在这里。</translation>
    </message>
    <message>
        <source>Answering… {0} more question{1} waiting their turn.</source>
        <translation>正在回答… 还有 {0} 个问题在排队。</translation>
    </message>
    <message>
        <source>You: {0}</source>
        <translation>你：{0}</translation>
    </message>
    <message>
        <source>Answering…</source>
        <translation>正在回答…</translation>
    </message>
    <message>
        <source>Waiting for the answer in the Steward window…</source>
        <translation>正在 Steward 窗口中等待回答…</translation>
    </message>
    <message>
        <source>Stopped: what was written is kept.</source>
        <translation>已停止：已写出的内容会保留。</translation>
    </message>
    <message>
        <source>Steward can&apos;t do that.</source>
        <translation>Steward 做不到这件事。</translation>
    </message>
    <message>
        <source>Review in Steward</source>
        <translation>在 Steward 中审阅</translation>
    </message>
    <message>
        <source>Review it in Steward before anything is saved or run.</source>
        <translation>在保存或运行之前，请先在 Steward 中审阅。</translation>
    </message>
    <message>
        <source>Your recovery key — Steward</source>
        <translation>你的恢复密钥 — Steward</translation>
    </message>
    <message>
        <source>Steward created your encrypted history. Write down this recovery key and keep it safe: it opens your history on its own if the keyring or the passphrase is lost, or on a new machine. It is not shown again unless you ask for it in Settings.</source>
        <translation>Steward 已创建你的加密历史记录。请抄下这个恢复密钥并妥善保管：如果密钥环或口令丢失，或在新电脑上，它可以单独打开你的历史记录。除非你在设置中要求查看，它不会再次显示。</translation>
    </message>
    <message>
        <source>This key opens your history and its backups on its own. Keep it private.</source>
        <translation>这个密钥可以单独打开你的历史记录及其备份。请勿泄露。</translation>
    </message>
    <message>
        <source>Recovery key</source>
        <translation>恢复密钥</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>复制(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the recovery key</source>
        <translation>复制恢复密钥</translation>
    </message>
    <message>
        <source>&amp;Save to a file…</source>
        <translation>保存到文件(&amp;S)…</translation>
    </message>
    <message>
        <source>Save the recovery key to a text file</source>
        <translation>把恢复密钥保存到文本文件</translation>
    </message>
    <message>
        <source>I have written it down</source>
        <translation>我已经抄下来了</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Opens your history if the passphrase is lost; keep it somewhere safe</source>
        <translation>忘记密码短语时可用它打开你的历史记录；请妥善保管</translation>
    </message>
    <message>
        <source>Closes this message; the key can be shown again in Settings › Privacy</source>
        <translation>关闭此消息；可在“设置 › 隐私”中再次显示该密钥</translation>
    </message>
    <message>
        <source>Copied. Paste it somewhere safe, then clear the clipboard.</source>
        <translation>已复制。请粘贴到安全的地方，然后清空剪贴板。</translation>
    </message>
    <message>
        <source>Steward recovery key</source>
        <translation>Steward 恢复密钥</translation>
    </message>
    <message>
        <source>Could not save it: {0}</source>
        <translation>无法保存：{0}</translation>
    </message>
    <message>
        <source>Saved to {0}</source>
        <translation>已保存到 {0}</translation>
    </message>
    <message>
        <source>Save the recovery key</source>
        <translation>保存恢复密钥</translation>
    </message>
    <message>
        <source>Text files (*.txt)</source>
        <translation>文本文件 (*.txt)</translation>
    </message>
    <message>
        <source>What each step did, or would do</source>
        <translation>每一步做了什么，或将会做什么</translation>
    </message>
    <message>
        <source> and {0} more</source>
        <translation> 以及另外 {0} 个</translation>
    </message>
    <message>
        <source>found {0}: {1}</source>
        <translation>找到 {0} 个：{1}</translation>
    </message>
    <message>
        <source>found nothing</source>
        <translation>什么也没找到</translation>
    </message>
    <message>
        <source>read “{0}”</source>
        <translation>读取到“{0}”</translation>
    </message>
    <message>
        <source>nothing was changed. What a run would do now:</source>
        <translation>没有做任何更改。实际运行时将会：</translation>
    </message>
    <message>
        <source>Dry run:</source>
        <translation>试运行：</translation>
    </message>
    <message>
        <source>Approve and save</source>
        <translation>批准并保存</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Discard</source>
        <translation>丢弃</translation>
    </message>
    <message>
        <source>Save the workflow with the permissions listed above</source>
        <translation>以上方列出的权限保存工作流</translation>
    </message>
    <message>
        <source>Change the steps before approving</source>
        <translation>批准前修改步骤</translation>
    </message>
    <message>
        <source>Drop this draft; nothing is saved</source>
        <translation>放弃此草稿；不保存任何内容</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Saved and enabled as &lt;b&gt;{0}&lt;/b&gt;. It runs {1}; its runs appear in Automations.</source>
        <translation>已保存并启用为 &lt;b&gt;{0}&lt;/b&gt;。它将{1}运行；运行记录见“自动化”。</translation>
    </message>
    <message>
        <source>Edit draft — Steward</source>
        <translation>编辑草稿 — Steward</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Steward can do this for you:&lt;/b&gt; {0}&lt;br&gt;&lt;small&gt;It needs to {1}.&lt;/small&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Steward 可以替你完成：&lt;/b&gt;{0}&lt;br&gt;&lt;small&gt;它需要{1}。&lt;/small&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Do this once, now, with the permissions listed above</source>
        <translation>以上方列出的权限立即执行一次</translation>
    </message>
    <message>
        <source>Do nothing and close this card</source>
        <translation>不做任何事并关闭此卡片</translation>
    </message>
    <message>
        <source>Resume conversations at once</source>
        <translation>立即恢复对话</translation>
    </message>
    <message>
        <source>After each answer, the model&apos;s working state for that conversation is kept on this computer, encrypted with your history&apos;s key, so that it answers at once after Steward restarts. Deleting a conversation deletes its state.</source>
        <translation>每次回答后，模型在该对话中的工作状态会保存在这台电脑上，并用你的历史记录密钥加密，这样 Steward 重启后也能立即作答。删除对话会同时删除其状态。</translation>
    </message>
    <message>
        <source> MB</source>
        <translation> MB</translation>
    </message>
    <message>
        <source>Keep none</source>
        <translation>不保留</translation>
    </message>
    <message>
        <source>Room for saved conversation states</source>
        <translation>已保存对话状态的空间</translation>
    </message>
    <message>
        <source>The most disk space the saved states may take; the least recently used go first.</source>
        <translation>已保存状态最多可占用的磁盘空间；最久未用的先被删除。</translation>
    </message>
    <message>
        <source>&amp;Room on disk:</source>
        <translation>磁盘空间(&amp;R)：</translation>
    </message>
    <message>
        <source>Empty now</source>
        <translation>立即清空</translation>
    </message>
    <message>
        <source>Delete every saved conversation state; conversations are read again next time.</source>
        <translation>删除所有已保存的对话状态；下次会重新读取对话。</translation>
    </message>
    <message>
        <source>Now: {0} conversation{1}, {2:.1f} MB</source>
        <translation>当前：{0} 个对话，{2:.1f} MB</translation>
    </message>
    <message>
        <source>No local model loaded</source>
        <translation>未加载本地模型</translation>
    </message>
    <message>
        <source>Switching to {0} after this answer…</source>
        <translation>本次回答结束后切换到 {0}…</translation>
    </message>
    <message>
        <source>Tip: {0} ({1}) fits this computer and answers far better than the small embedded model. &lt;a href=&quot;{2}&quot;&gt;See it in Models…&lt;/a&gt;</source>
        <translation>提示：{0}（{1}）适合这台电脑，回答远比小巧的内置模型好。&lt;a href=&quot;{2}&quot;&gt;在“模型”中查看…&lt;/a&gt;</translation>
    </message>
    <message>
        <source>Only when the local model cannot answer (asks you first)</source>
        <translation>仅当本地模型无法回答时（会先询问你）</translation>
    </message>
    <message>
        <source>For every message</source>
        <translation>每条消息都用</translation>
    </message>
    <message>
        <source>Only when I choose “Ask cloud” for a message</source>
        <translation>仅当我为某条消息选择“问云端”时</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Settings — Steward</source>
        <translation>设置 — Steward</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>隐私</translation>
    </message>
    <message>
        <source>Cloud</source>
        <translation>云端</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Local API</source>
        <translation>本地 API</translation>
    </message>
    <message>
        <source>Use the embedded model</source>
        <translation>使用内置模型</translation>
    </message>
    <message>
        <source>Choose a GGUF file…</source>
        <translation>选择 GGUF 文件…</translation>
    </message>
    <message>
        <source>Download a model…</source>
        <translation>下载模型…</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Let this model shape drafted workflows itself</source>
        <translation>让此模型自行决定起草的工作流</translation>
    </message>
    <message>
        <source>For a larger model: it picks a workflow&apos;s steps on its own instead of following the steps Steward reads from your words. Every draft is still checked the same way.</source>
        <translation>适用于较大的模型：由它自行挑选工作流的步骤，而不是按 Steward 从你的话中读出的步骤。每份草稿仍以同样方式检查。</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>Context length (tokens):</source>
        <translation>上下文长度（token）：</translation>
    </message>
    <message>
        <source>Threads:</source>
        <translation>线程数：</translation>
    </message>
    <message>
        <source>Temperature:</source>
        <translation>温度：</translation>
    </message>
    <message>
        <source>Top p:</source>
        <translation>Top p：</translation>
    </message>
    <message>
        <source>Max answer tokens:</source>
        <translation>回答的最大 token 数：</translation>
    </message>
    <message>
        <source>System prompt:</source>
        <translation>系统提示词：</translation>
    </message>
    <message>
        <source>Drafting:</source>
        <translation>起草：</translation>
    </message>
    <message>
        <source>The embedded model is not installed.</source>
        <translation>未安装内置模型。</translation>
    </message>
    <message>
        <source>Choose a model</source>
        <translation>选择模型</translation>
    </message>
    <message>
        <source>Steward answers with the model on this computer. Optionally, an OpenAI-compatible endpoint can answer what the local model cannot. Nothing is sent anywhere until you switch this on; cloud answers are marked ☁ in the conversation.</source>
        <translation>Steward 使用这台电脑上的模型作答。你也可以选择让一个 OpenAI 兼容接口回答本地模型答不了的问题。在你开启之前，任何内容都不会被发送；云端的回答会在对话中标上 ☁。</translation>
    </message>
    <message>
        <source>&amp;Use a cloud endpoint</source>
        <translation>使用云端接口(&amp;U)</translation>
    </message>
    <message>
        <source>the model name it expects</source>
        <translation>它所需的模型名称</translation>
    </message>
    <message>
        <source>Remove the stored key</source>
        <translation>删除已保存的密钥</translation>
    </message>
    <message>
        <source>Replace e-mail addresses, phone numbers and home-folder paths before sending</source>
        <translation>发送前替换电子邮件地址、电话号码和主文件夹路径</translation>
    </message>
    <message>
        <source>&amp;Test connection</source>
        <translation>测试连接(&amp;T)</translation>
    </message>
    <message>
        <source>Base URL:</source>
        <translation>基础网址：</translation>
    </message>
    <message>
        <source>API key:</source>
        <translation>API 密钥：</translation>
    </message>
    <message>
        <source>When:</source>
        <translation>何时使用：</translation>
    </message>
    <message>
        <source>stored in your keyring or encrypted history; type to replace</source>
        <translation>已保存在密钥环或加密历史记录中；输入即可替换</translation>
    </message>
    <message>
        <source>none stored (leave empty if the endpoint needs none)</source>
        <translation>未保存（如果接口不需要，请留空）</translation>
    </message>
    <message>
        <source>Give the model name the cloud endpoint expects.</source>
        <translation>请填写云端接口所需的模型名称。</translation>
    </message>
    <message>
        <source>Give the endpoint&apos;s base URL first.</source>
        <translation>请先填写接口的基础网址。</translation>
    </message>
    <message>
        <source>Testing…</source>
        <translation>正在测试…</translation>
    </message>
    <message>
        <source>Testing: a one-word request to {0} ({1}), nothing of yours…</source>
        <translation>正在测试：向 {0}（{1}）发送一个只有一个词的请求，不含你的任何内容…</translation>
    </message>
    <message>
        <source>OK: {0} answered with {1} in {2:.0f} ms.</source>
        <translation>正常：{0} 用 {1} 作答，耗时 {2:.0f} 毫秒。</translation>
    </message>
    <message>
        <source>&amp;Appearance:</source>
        <translation>外观(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>Start minimized to the tray (when there is a tray)</source>
        <translation>启动时最小化到托盘（如果有托盘）</translation>
    </message>
    <message>
        <source>Launch Steward when I log in</source>
        <translation>登录时启动 Steward</translation>
    </message>
    <message>
        <source>On this system, add Steward to your login items yourself (see docs/desktop.md).</source>
        <translation>在此系统上，请自行把 Steward 添加到登录项（见 docs/desktop.md）。</translation>
    </message>
    <message>
        <source>Your encrypted history: {0}
Settings: {1}
Logs: {2}</source>
        <translation>你的加密历史记录：{0}
设置：{1}
日志：{2}</translation>
    </message>
    <message>
        <source>Show the recovery key…</source>
        <translation>显示恢复密钥…</translation>
    </message>
    <message>
        <source>Back up now</source>
        <translation>立即备份</translation>
    </message>
    <message>
        <source>Lock now</source>
        <translation>立即锁定</translation>
    </message>
    <message>
        <source>Erase all data…</source>
        <translation>清除所有数据…</translation>
    </message>
    <message>
        <source>Keep the key in the system keyring instead</source>
        <translation>改为把密钥保存在系统密钥环中</translation>
    </message>
    <message>
        <source>Change the passphrase…</source>
        <translation>更改口令…</translation>
    </message>
    <message>
        <source>Protect it with a passphrase instead…</source>
        <translation>改为用口令保护…</translation>
    </message>
    <message>
        <source>The database key is protected by your passphrase.</source>
        <translation>数据库密钥由你的口令保护。</translation>
    </message>
    <message>
        <source>The database key is kept in the system keyring.</source>
        <translation>数据库密钥保存在系统密钥环中。</translation>
    </message>
    <message>
        <source>Show the recovery key — Steward</source>
        <translation>显示恢复密钥 — Steward</translation>
    </message>
    <message>
        <source>The recovery key opens your history and its backups on its own, without the keyring. Show it only where nobody else can see your screen.</source>
        <translation>恢复密钥无需密钥环即可单独打开你的历史记录及其备份。请只在没有旁人能看到你屏幕的地方显示它。</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Backup — Steward</source>
        <translation>备份 — Steward</translation>
    </message>
    <message>
        <source>Backed up {0} messages to
{1}
(encrypted, and checked by reopening it).</source>
        <translation>已将 {0} 条消息备份到
{1}
（已加密，并已重新打开检查）。</translation>
    </message>
    <message>
        <source>Erase all data — Steward</source>
        <translation>清除所有数据 — Steward</translation>
    </message>
    <message>
        <source>This deletes every conversation, workflow and run, the database key and the backups, for good.
Type “{0}” to confirm:</source>
        <translation>这会永久删除所有对话、工作流和运行记录，以及数据库密钥和备份。
输入“{0}”以确认：</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Nothing was erased: the confirmation did not match.</source>
        <translation>未清除任何内容：确认文字不匹配。</translation>
    </message>
    <message>
        <source>asks each time</source>
        <translation>每次询问</translation>
    </message>
    <message>
        <source>approved in a workflow</source>
        <translation>已在工作流中批准</translation>
    </message>
    <message>
        <source>allowed always</source>
        <translation>始终允许</translation>
    </message>
    <message>
        <source>blocked: changed since approved</source>
        <translation>已阻止：批准后有更改</translation>
    </message>
    <message>
        <source>On (starts when needed)</source>
        <translation>开（需要时启动）</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Add a server by address — Steward</source>
        <translation>按地址添加服务器 — Steward</translation>
    </message>
    <message>
        <source>Add a server — Steward</source>
        <translation>添加服务器 — Steward</translation>
    </message>
    <message>
        <source>Server name</source>
        <translation>服务器名称</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Command line</source>
        <translation>命令行</translation>
    </message>
    <message>
        <source>https://example.org/mcp</source>
        <translation>https://example.org/mcp</translation>
    </message>
    <message>
        <source>uvx mcp-server-time --local-timezone=Asia/Shanghai</source>
        <translation>uvx mcp-server-time --local-timezone=Asia/Shanghai</translation>
    </message>
    <message>
        <source>Headers</source>
        <translation>请求头</translation>
    </message>
    <message>
        <source>Environment variables</source>
        <translation>环境变量</translation>
    </message>
    <message>
        <source>NAME=value, one a line (kept in the keyring)</source>
        <translation>NAME=值，每行一个（保存在密钥环中）</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Address:</source>
        <translation>地址(&amp;A)：</translation>
    </message>
    <message>
        <source>&amp;Command line:</source>
        <translation>命令行(&amp;C)：</translation>
    </message>
    <message>
        <source>&amp;Headers:</source>
        <translation>请求头(&amp;H)：</translation>
    </message>
    <message>
        <source>&amp;Variables:</source>
        <translation>变量(&amp;V)：</translation>
    </message>
    <message>
        <source>It is added switched off. Steward gives it only these variables (and PATH and HOME); their values are kept in the keyring, not in mcp.json.</source>
        <translation>添加后处于关闭状态。Steward 只会给它这些变量（以及 PATH 和 HOME）；它们的值保存在密钥环中，而不是 mcp.json 里。</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add the server, switched off</source>
        <translation>添加服务器（处于关闭状态）</translation>
    </message>
    <message>
        <source>Close without adding a server</source>
        <translation>关闭，不添加服务器</translation>
    </message>
    <message>
        <source>How the server is called in Steward</source>
        <translation>服务器在 Steward 中的名称</translation>
    </message>
    <message>
        <source>The server&apos;s address</source>
        <translation>服务器的地址</translation>
    </message>
    <message>
        <source>The command that starts the server</source>
        <translation>启动服务器的命令</translation>
    </message>
    <message>
        <source>Kept in the keyring, given only to this server</source>
        <translation>保存在密钥环中，只提供给此服务器</translation>
    </message>
    <message>
        <source>“{0}” is not NAME=value</source>
        <translation>“{0}”不是 NAME=值 的格式</translation>
    </message>
    <message>
        <source>MCP servers</source>
        <translation>MCP 服务器</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <source>The selected server: command line and tools</source>
        <translation>所选服务器：命令行和工具</translation>
    </message>
    <message>
        <source>Each server, whether it is on, and how many tools it has</source>
        <translation>每个服务器、是否已开启以及它有多少工具</translation>
    </message>
    <message>
        <source>How the chosen server is started, and what its tools do</source>
        <translation>所选服务器如何启动，以及它的工具做什么</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Add a server started by a command on this computer</source>
        <translation>添加一个由这台电脑上的命令启动的服务器</translation>
    </message>
    <message>
        <source>Add by address…</source>
        <translation>按地址添加…</translation>
    </message>
    <message>
        <source>Add a server reached at a web address</source>
        <translation>添加一个通过网址访问的服务器</translation>
    </message>
    <message>
        <source>Import from other apps</source>
        <translation>从其他应用导入</translation>
    </message>
    <message>
        <source>Add the servers set up in Claude Desktop, Cursor, LM Studio or Jan, switched off</source>
        <translation>添加在 Claude Desktop、Cursor、LM Studio 或 Jan 中设置的服务器（处于关闭状态）</translation>
    </message>
    <message>
        <source>Switch on…</source>
        <translation>开启…</translation>
    </message>
    <message>
        <source>Start using the chosen server, or stop using it</source>
        <translation>开始或停止使用所选服务器</translation>
    </message>
    <message>
        <source>List tools now</source>
        <translation>立即列出工具</translation>
    </message>
    <message>
        <source>Ask the chosen server for its tools again</source>
        <translation>重新向所选服务器获取其工具</translation>
    </message>
    <message>
        <source>Review change…</source>
        <translation>审阅更改…</translation>
    </message>
    <message>
        <source>See how a tool&apos;s description changed, and allow it again or keep it blocked</source>
        <translation>查看工具说明的变化，然后重新允许或继续阻止它</translation>
    </message>
    <message>
        <source>Remove…</source>
        <translation>移除…</translation>
    </message>
    <message>
        <source>Remove the chosen server and its stored variables</source>
        <translation>移除所选服务器及其保存的变量</translation>
    </message>
    <message>
        <source>Tools of MCP servers (the same servers Claude Desktop, Cursor, LM Studio and Jan use) become steps of your workflows. Every call asks first, showing all its arguments, unless you allowed the tool always or approved the workflow; a tool whose description changes afterwards is blocked until you review the change.</source>
        <translation>MCP 服务器（与 Claude Desktop、Cursor、LM Studio 和 Jan 使用的相同）的工具可以成为你工作流中的步骤。除非你已始终允许该工具或批准了工作流，每次调用前都会先询问并显示全部参数；之后描述有变的工具会被阻止，直到你审阅更改。</translation>
    </message>
    <message>
        <source>not listed yet</source>
        <translation>尚未列出</translation>
    </message>
    <message>
        <source>No MCP servers yet. Add one from its command line or address, or import those of other apps.</source>
        <translation>还没有 MCP 服务器。可以通过命令行或地址添加，或从其他应用导入。</translation>
    </message>
    <message>
        <source>Switch off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Runs: {0}</source>
        <translation>运行：{0}</translation>
    </message>
    <message>
        <source>Last problem: {0}</source>
        <translation>上一个问题：{0}</translation>
    </message>
    <message>
        <source>This server</source>
        <translation>此服务器</translation>
    </message>
    <message>
        <source>Not added: {0}</source>
        <translation>未添加：{0}</translation>
    </message>
    <message>
        <source>Added {0}, switched off. Check its command line, then switch it on.</source>
        <translation>已添加 {0}，处于关闭状态。请检查它的命令行，然后再开启。</translation>
    </message>
    <message>
        <source>No other app&apos;s MCP servers were found (Claude Desktop, Cursor, LM Studio, Jan).</source>
        <translation>没有找到其他应用（Claude Desktop、Cursor、LM Studio、Jan）的 MCP 服务器。</translation>
    </message>
    <message>
        <source>Their servers are all here already.</source>
        <translation>它们的服务器都已在这里了。</translation>
    </message>
    <message>
        <source>Imported {0}, switched off: check each command line, then switch on the ones you want.</source>
        <translation>已导入 {0}，处于关闭状态：请检查每条命令行，再开启你需要的。</translation>
    </message>
    <message>
        <source>{0} is off; its tools are no longer offered.</source>
        <translation>{0} 已关闭；不再提供它的工具。</translation>
    </message>
    <message>
        <source>Switch this server on? — Steward</source>
        <translation>开启此服务器吗？— Steward</translation>
    </message>
    <message>
        <source>{0} runs:

{1}</source>
        <translation>{0} 会运行：

{1}</translation>
    </message>
    <message>
        <source>It starts when one of its tools is first used. Switch it on only if you trust this program (or address).</source>
        <translation>它会在首次使用其工具时启动。只有信任这个程序（或地址）时才开启。</translation>
    </message>
    <message>
        <source>Switch on</source>
        <translation>开启</translation>
    </message>
    <message>
        <source>Leave off</source>
        <translation>保持关闭</translation>
    </message>
    <message>
        <source>Starting {0}…</source>
        <translation>正在启动 {0}…</translation>
    </message>
    <message>
        <source>{0}: {1} tools.</source>
        <translation>{0}：{1} 个工具。</translation>
    </message>
    <message>
        <source>A tool changed — Steward</source>
        <translation>工具已更改 — Steward</translation>
    </message>
    <message>
        <source>{0} now describes its tool {1} differently from when you approved it. Until you accept the change, every call of it is blocked.</source>
        <translation>{0} 现在对其工具 {1} 的描述与你批准时不同。在你接受更改之前，对它的每次调用都会被阻止。</translation>
    </message>
    <message>
        <source>The change (− as approved, + now):</source>
        <translation>更改内容（− 为批准时，+ 为现在）：</translation>
    </message>
    <message>
        <source>Accept the change</source>
        <translation>接受更改</translation>
    </message>
    <message>
        <source>Keep it blocked</source>
        <translation>继续阻止</translation>
    </message>
    <message>
        <source>{0} is allowed again as it describes itself now.</source>
        <translation>{0} 已按其当前描述重新允许。</translation>
    </message>
    <message>
        <source>{0} stays blocked.</source>
        <translation>{0} 仍被阻止。</translation>
    </message>
    <message>
        <source>Remove this server? — Steward</source>
        <translation>移除此服务器吗？— Steward</translation>
    </message>
    <message>
        <source>Remove {0}? Its secrets are deleted; workflows that use its tools stop validating until it is added again.</source>
        <translation>移除 {0} 吗？它的机密信息会被删除；使用其工具的工作流在重新添加它之前将无法通过验证。</translation>
    </message>
    <message>
        <source>Keep</source>
        <translation>保留</translation>
    </message>
    <message>
        <source>Removed {0}.</source>
        <translation>已移除 {0}。</translation>
    </message>
    <message>
        <source>Quick prompt</source>
        <translation>快速提问</translation>
    </message>
    <message>
        <source>Open Steward</source>
        <translation>打开 Steward</translation>
    </message>
    <message>
        <source>Automations…</source>
        <translation>自动化…</translation>
    </message>
    <message>
        <source>Recent runs</source>
        <translation>最近的运行</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Steward is still running</source>
        <translation>Steward 仍在运行</translation>
    </message>
    <message>
        <source>It stays in the tray; use the tray menu to open it again or quit.</source>
        <translation>它会留在托盘中；可用托盘菜单重新打开或退出。</translation>
    </message>
    <message>
        <source>Steward answered</source>
        <translation>Steward 已作答</translation>
    </message>
    <message>
        <source>“{0}” is ready ({1:.0f} s).</source>
        <translation>“{0}”已就绪（{1:.0f} 秒）。</translation>
    </message>
    <message>
        <source>No runs yet</source>
        <translation>暂无运行记录</translation>
    </message>
    <message>
        <source>Set a passphrase — Steward</source>
        <translation>设置口令 — Steward</translation>
    </message>
    <message>
        <source>No system keyring is available to keep the key of your encrypted history. Choose a passphrase to protect it; you will need it each time Steward starts.</source>
        <translation>没有可用的系统密钥环来保存你加密历史记录的密钥。请设置一个口令来保护它；每次启动 Steward 时都需要输入。</translation>
    </message>
    <message>
        <source>Create</source>
        <translation>创建</translation>
    </message>
    <message>
        <source>Unlock Steward</source>
        <translation>解锁 Steward</translation>
    </message>
    <message>
        <source>Your history is encrypted. Enter your passphrase to unlock it.</source>
        <translation>你的历史记录已加密。请输入口令解锁。</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>The key of your history is in the system keyring now. With a passphrase, Steward asks for it each time it starts, and the key leaves the keyring.</source>
        <translation>你历史记录的密钥目前保存在系统密钥环中。设置口令后，Steward 每次启动都会询问口令，密钥将移出密钥环。</translation>
    </message>
    <message>
        <source>Set passphrase</source>
        <translation>设置口令</translation>
    </message>
    <message>
        <source>Change the passphrase — Steward</source>
        <translation>更改口令 — Steward</translation>
    </message>
    <message>
        <source>Enter your current passphrase, then the new one. Your history stays as it is; only the passphrase that opens it changes.</source>
        <translation>请输入当前口令，再输入新口令。你的历史记录保持不变；只有打开它的口令会改变。</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>更改</translation>
    </message>
    <message>
        <source>The recovery key opens your history on its own. Enter your passphrase to see it.</source>
        <translation>恢复密钥可以单独打开你的历史记录。请输入口令查看。</translation>
    </message>
    <message>
        <source>Current passphrase:</source>
        <translation>当前口令：</translation>
    </message>
    <message>
        <source>New passphrase:</source>
        <translation>新口令：</translation>
    </message>
    <message>
        <source>Passphrase:</source>
        <translation>口令：</translation>
    </message>
    <message>
        <source>Repeat it:</source>
        <translation>再输入一次：</translation>
    </message>
    <message>
        <source>The passphrase you use now</source>
        <translation>你现在使用的密码短语</translation>
    </message>
    <message>
        <source>A long phrase you can remember; it cannot be recovered without the recovery key</source>
        <translation>一句你记得住的长短语；没有恢复密钥就无法找回</translation>
    </message>
    <message>
        <source>The passphrase that protects your history</source>
        <translation>保护你历史记录的密码短语</translation>
    </message>
    <message>
        <source>The same passphrase again, to be sure of it</source>
        <translation>再输入一次同样的密码短语以确认</translation>
    </message>
    <message>
        <source>Close without changing anything</source>
        <translation>关闭，不做任何更改</translation>
    </message>
    <message>
        <source>Enter your current passphrase.</source>
        <translation>请输入当前口令。</translation>
    </message>
    <message>
        <source>Use at least {0} characters.</source>
        <translation>至少使用 {0} 个字符。</translation>
    </message>
    <message>
        <source>The two passphrases differ.</source>
        <translation>两次输入的口令不一致。</translation>
    </message>
    <message>
        <source>Enter your passphrase.</source>
        <translation>请输入口令。</translation>
    </message>
    <message>
        <source>args</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>at</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>body</source>
        <translation>正文</translation>
    </message>
    <message>
        <source>catch up</source>
        <translation>补跑</translation>
    </message>
    <message>
        <source>check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>contains</source>
        <translation>包含</translation>
    </message>
    <message>
        <source>content type</source>
        <translation>内容类型</translation>
    </message>
    <message>
        <source>cron</source>
        <translation>Cron 表达式</translation>
    </message>
    <message>
        <source>cwd</source>
        <translation>工作目录</translation>
    </message>
    <message>
        <source>destination</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>events</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>every minutes</source>
        <translation>间隔分钟</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>headers</source>
        <translation>请求头</translation>
    </message>
    <message>
        <source>heading</source>
        <translation>标题行</translation>
    </message>
    <message>
        <source>ignore case</source>
        <translation>忽略大小写</translation>
    </message>
    <message>
        <source>input</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>instruction</source>
        <translation>指令</translation>
    </message>
    <message>
        <source>invert</source>
        <translation>反选</translation>
    </message>
    <message>
        <source>kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>limit</source>
        <translation>上限</translation>
    </message>
    <message>
        <source>max bytes</source>
        <translation>最大字节数</translation>
    </message>
    <message>
        <source>max chars</source>
        <translation>最大字符数</translation>
    </message>
    <message>
        <source>max tokens</source>
        <translation>最大 token 数</translation>
    </message>
    <message>
        <source>missing ok</source>
        <translation>允许缺失</translation>
    </message>
    <message>
        <source>newline</source>
        <translation>换行</translation>
    </message>
    <message>
        <source>overwrite</source>
        <translation>覆盖</translation>
    </message>
    <message>
        <source>path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>pattern</source>
        <translation>匹配模式</translation>
    </message>
    <message>
        <source>program</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>recursive</source>
        <translation>包括子文件夹</translation>
    </message>
    <message>
        <source>skip blank</source>
        <translation>跳过空行</translation>
    </message>
    <message>
        <source>source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>task</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>template</source>
        <translation>模板</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>timeout s</source>
        <translation>超时（秒）</translation>
    </message>
    <message>
        <source>title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>url</source>
        <translation>网址</translation>
    </message>
    <message>
        <source>all</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>classify</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>custom</source>
        <translation>自定义</translation>
    </message>
    <message>
        <source>extract</source>
        <translation>提取</translation>
    </message>
    <message>
        <source>files</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>folders</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>form</source>
        <translation>表单</translation>
    </message>
    <message>
        <source>json</source>
        <translation>JSON 格式</translation>
    </message>
    <message>
        <source>summarize</source>
        <translation>总结</translation>
    </message>
    <message>
        <source>plain text</source>
        <translation>纯文本</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>(default)</source>
        <translation>（默认）</translation>
    </message>
    <message>
        <source>JSON, e.g. [&quot;--short&quot;]</source>
        <translation>JSON，例如 [&quot;--short&quot;]</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON 格式</translation>
    </message>
    <message>
        <source>“{0}”, given to this step&apos;s action</source>
        <translation>“{0}”，提供给此步骤的操作</translation>
    </message>
    <message>
        <source>{0}: must be a whole number</source>
        <translation>{0}：必须是整数</translation>
    </message>
    <message>
        <source>{0}: must be JSON ({1})</source>
        <translation>{0}：必须是 JSON（{1}）</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>动作</translation>
    </message>
    <message>
        <source>optional: {{steps.ID.output.files}}</source>
        <translation>可选：{{steps.ID.output.files}}</translation>
    </message>
    <message>
        <source>Up</source>
        <translation>上移</translation>
    </message>
    <message>
        <source>Down</source>
        <translation>下移</translation>
    </message>
    <message>
        <source>What this step does; its settings follow</source>
        <translation>此步骤做什么；其设置见下方</translation>
    </message>
    <message>
        <source>Repeat this step for every item of an earlier step&apos;s output</source>
        <translation>对前面某一步输出中的每一项重复此步骤</translation>
    </message>
    <message>
        <source>Move this step before the one above it</source>
        <translation>将此步骤移到上一步之前</translation>
    </message>
    <message>
        <source>Move this step after the one below it</source>
        <translation>将此步骤移到下一步之后</translation>
    </message>
    <message>
        <source>Remove this step</source>
        <translation>移除此步骤</translation>
    </message>
    <message>
        <source>For each</source>
        <translation>逐项处理</translation>
    </message>
    <message>
        <source>At a time of day</source>
        <translation>每天的某个时间</translation>
    </message>
    <message>
        <source>Every N minutes</source>
        <translation>每隔 N 分钟</translation>
    </message>
    <message>
        <source>Cron expression</source>
        <translation>Cron 表达式</translation>
    </message>
    <message>
        <source>Hour</source>
        <translation>小时</translation>
    </message>
    <message>
        <source>Minute</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>minute hour day month weekday, e.g. 0 9 * * 1-5</source>
        <translation>分 时 日 月 星期，例如 0 9 * * 1-5</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Starts</source>
        <translation>启动方式</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>时间表</translation>
    </message>
    <message>
        <source>Days</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Every (minutes)</source>
        <translation>间隔（分钟）</translation>
    </message>
    <message>
        <source>Cron</source>
        <translation>Cron 表达式</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>文件夹</translation>
    </message>
    <message>
        <source>Files matching</source>
        <translation>匹配的文件</translation>
    </message>
    <message>
        <source>Add step</source>
        <translation>添加步骤</translation>
    </message>
    <message>
        <source>Fit permissions to the steps</source>
        <translation>按步骤调整权限</translation>
    </message>
    <message>
        <source>Edit as JSON…</source>
        <translation>以 JSON 编辑…</translation>
    </message>
    <message>
        <source>How the workflow is listed</source>
        <translation>工作流在列表中显示的名称</translation>
    </message>
    <message>
        <source>What starts the workflow</source>
        <translation>什么会启动此工作流</translation>
    </message>
    <message>
        <source>How the start times are given</source>
        <translation>如何指定开始时间</translation>
    </message>
    <message>
        <source>The hour it starts, 0 to 23</source>
        <translation>开始的小时，0 到 23</translation>
    </message>
    <message>
        <source>The minute it starts</source>
        <translation>开始的分钟</translation>
    </message>
    <message>
        <source>Minutes between two starts</source>
        <translation>两次启动之间的分钟数</translation>
    </message>
    <message>
        <source>Five fields: minute, hour, day, month, weekday</source>
        <translation>五个字段：分、时、日、月、星期</translation>
    </message>
    <message>
        <source>The folder watched for new files</source>
        <translation>监视新文件的文件夹</translation>
    </message>
    <message>
        <source>Only files whose names match start it, e.g. *.pdf</source>
        <translation>只有名称匹配的文件才会启动它，例如 *.pdf</translation>
    </message>
    <message>
        <source>Add a step at the end</source>
        <translation>在末尾添加一个步骤</translation>
    </message>
    <message>
        <source>Grant exactly what the steps need, and nothing more</source>
        <translation>只授予步骤所需的权限，不多给</translation>
    </message>
    <message>
        <source>Edit the whole workflow as JSON</source>
        <translation>以 JSON 编辑整个工作流</translation>
    </message>
    <message>
        <source>Runs on this day</source>
        <translation>在这一天运行</translation>
    </message>
    <message>
        <source>&lt;b&gt;Steps&lt;/b&gt;</source>
        <translation>&lt;b&gt;步骤&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Step {0} ({1})</source>
        <translation>第 {0} 步（{1}）</translation>
    </message>
    <message>
        <source>Permissions:</source>
        <translation>权限：</translation>
    </message>
    <message>
        <source>this workflow</source>
        <translation>此工作流</translation>
    </message>
    <message>
        <source>Answer with the small model that comes with Steward</source>
        <translation>使用 Steward 自带的小模型回答</translation>
    </message>
    <message>
        <source>Use a GGUF model file already on this computer</source>
        <translation>使用这台电脑上已有的 GGUF 模型文件</translation>
    </message>
    <message>
        <source>Download a model from a catalogue, checked before use</source>
        <translation>从模型目录下载模型，使用前会先校验</translation>
    </message>
    <message>
        <source>How much of the conversation the model reads at once; more needs more memory</source>
        <translation>模型一次读取的对话长度；越长需要的内存越多</translation>
    </message>
    <message>
        <source>Processor threads for the model; automatic suits most computers</source>
        <translation>模型使用的处理器线程数；自动适合大多数电脑</translation>
    </message>
    <message>
        <source>Higher writes more varied answers, lower more predictable ones</source>
        <translation>越高回答越多样，越低越可预测</translation>
    </message>
    <message>
        <source>Only the likeliest words adding up to this share are considered</source>
        <translation>只考虑累计概率达到此比例的最可能的词</translation>
    </message>
    <message>
        <source>The longest an answer may be, in tokens</source>
        <translation>回答的最大长度（以 token 计）</translation>
    </message>
    <message>
        <source>Instructions the model is given before every conversation</source>
        <translation>每次对话前给模型的指示</translation>
    </message>
    <message>
        <source>Nothing is sent anywhere until this is switched on</source>
        <translation>开启之前不会向任何地方发送任何内容</translation>
    </message>
    <message>
        <source>The address of an OpenAI-compatible endpoint, ending in /v1</source>
        <translation>兼容 OpenAI 的端点地址，以 /v1 结尾</translation>
    </message>
    <message>
        <source>The name of the model the endpoint should answer with</source>
        <translation>端点用来回答的模型名称</translation>
    </message>
    <message>
        <source>Stored in the system keyring, or else in your encrypted history</source>
        <translation>保存在系统密钥环中，否则保存在你的加密历史记录中</translation>
    </message>
    <message>
        <source>The stored key is removed when you save</source>
        <translation>保存时会移除已保存的密钥</translation>
    </message>
    <message>
        <source>When a message may go to the cloud endpoint</source>
        <translation>消息何时可以发送到云端端点</translation>
    </message>
    <message>
        <source>Applies to every message sent to the cloud endpoint</source>
        <translation>适用于发送到云端端点的每一条消息</translation>
    </message>
    <message>
        <source>Sends a one-word request with these settings, nothing of yours</source>
        <translation>用这些设置发送一个单词的请求，不含你的任何内容</translation>
    </message>
    <message>
        <source>Shows the key that opens your history if the passphrase is lost</source>
        <translation>显示忘记密码短语时可打开历史记录的密钥</translation>
    </message>
    <message>
        <source>Writes an encrypted copy of your history to a file</source>
        <translation>将你历史记录的加密副本写入文件</translation>
    </message>
    <message>
        <source>How the key of your encrypted history is protected</source>
        <translation>你加密历史记录的密钥如何受保护</translation>
    </message>
    <message>
        <source>Closes your history until the passphrase is entered again</source>
        <translation>关闭你的历史记录，直到再次输入密码短语</translation>
    </message>
    <message>
        <source>Deletes every conversation, workflow and run, the key and the backups, for good</source>
        <translation>永久删除所有对话、工作流和运行记录、密钥以及备份</translation>
    </message>
    <message>
        <source>Steward opens without asking; the system keyring guards the key</source>
        <translation>Steward 打开时不再询问；由系统密钥环保护密钥</translation>
    </message>
    <message>
        <source>Light, dark, or as the system is set</source>
        <translation>浅色、深色，或跟随系统设置</translation>
    </message>
    <message>
        <source>The language of the window and of Steward&apos;s messages</source>
        <translation>窗口和 Steward 消息所用的语言</translation>
    </message>
    <message>
        <source>Steward starts in the tray; the window opens from there</source>
        <translation>Steward 在托盘中启动；从那里打开窗口</translation>
    </message>
    <message>
        <source>Steward starts in the tray when you log in</source>
        <translation>登录时 Steward 在托盘中启动</translation>
    </message>
    <message>
        <source>Other programs on this computer can ask the model, with the token below</source>
        <translation>这台电脑上的其他程序可以凭下方的令牌向模型提问</translation>
    </message>
    <message>
        <source>The port the API listens on</source>
        <translation>API 监听的端口</translation>
    </message>
    <message>
        <source>Other programs send this token with every request</source>
        <translation>其他程序在每个请求中发送此令牌</translation>
    </message>
    <message>
        <source>Copy the token to the clipboard</source>
        <translation>将令牌复制到剪贴板</translation>
    </message>
    <message>
        <source>Other computers that can reach this one may use the model with the token</source>
        <translation>能访问这台电脑的其他电脑可以凭令牌使用模型</translation>
    </message>
    <message>
        <source>Their conversations appear in your sidebar</source>
        <translation>它们的对话会出现在你的侧边栏中</translation>
    </message>
    <message>
        <source>A request naming another installed model loads it</source>
        <translation>指名另一个已安装模型的请求会加载该模型</translation>
    </message>
    <message>
        <source>Only when the cloud fallback is switched on</source>
        <translation>仅在开启云端后备时</translation>
    </message>
    <message>
        <source>Web addresses, separated by spaces, whose pages may call the API</source>
        <translation>允许其网页调用 API 的网址，以空格分隔</translation>
    </message>
    <message>
        <source>Save the changes and close Settings</source>
        <translation>保存更改并关闭设置</translation>
    </message>
    <message>
        <source>Save the changes and keep Settings open</source>
        <translation>保存更改并保持设置打开</translation>
    </message>
    <message>
        <source>Close Settings without saving</source>
        <translation>关闭设置，不保存</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
</context>
</TS>
