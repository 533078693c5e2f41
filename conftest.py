pytest_plugins = ["openai_conformance.plugin"]
