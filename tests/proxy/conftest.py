"""Proxy self-tests share one embedded reference server behind two proxies (plain, --reject).

Each test labels its requests with ``x-oaic-exercise`` so its findings form their own group
(``proxy_support.findings(proxy, label)``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from proxy_support import KEY

from openai_conformance.proxy.server import ValidatingProxy


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValidatingProxy]:
    report_dir = tmp_path_factory.mktemp("proxy-reports")
    with ValidatingProxy(
        "reference",
        report_dir=report_dir,
        reference_api_key=KEY,
        reference_fault_header=True,
    ) as p:
        yield p


@pytest.fixture(scope="module")
def strict_proxy(proxy: ValidatingProxy) -> Iterator[ValidatingProxy]:
    with ValidatingProxy(proxy.upstream, reject=True) as p:
        yield p
