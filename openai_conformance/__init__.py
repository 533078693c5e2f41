"""openai-conformance: a conformance and contract test suite for the OpenAI API."""

__version__ = "0.1.0"
