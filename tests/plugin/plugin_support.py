"""Constants of the plugin self-tests (importable by name: two folders' ``conftest`` modules
would clash in one pytest session)."""

KEY = "sk-oaic-canary-plugin-0123456789abcdef"
