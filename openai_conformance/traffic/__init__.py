"""Recorded OpenAI traffic judged offline (``oaic check-traffic``) with the proxy's checks.

Modules, one job each::

    formats.py   VCR cassettes (YAML/JSON, gzip, !!binary), HAR 1.2, evidence.jsonl -> Recorded
    judge.py     one exchange through proxy.requestcheck + proxy.responsecheck, both readings
    session.py   ProxySession keyed by ``file#index``; skipped exchanges as DISABLED results
    run.py       ``oaic check-traffic``: walk the paths, judge, print totals, write reports
"""
