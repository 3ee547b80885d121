"""Language models: the local engine, model files and prompt handling."""
