"""Constants shared by the legacy completions fixtures and tests."""

OP = "POST /completions"
PROMPT = "Describe briefly this morning's weather:"
