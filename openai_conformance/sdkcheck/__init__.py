"""SDK exercises (``oaic sdk-check``): the official SDKs driven through the validating proxy.

python_exercise.py  the Python SDK calls (one labelled entry per method and variant)
python_runner.py    runs them through ValidatingProxy against the reference server
exercise.mjs        the Node (npm ``openai``) calls
node_runner.py      installs the npm package into the cache, runs exercise.mjs
report.py           per-method rows: request conformant? response parsed? findings
cli.py              ``oaic sdk-check python|node``
"""
