"""Every operation of every app's OpenAPI, fed what Schemathesis generates from it, on the
real system (sidecars included): whatever comes in, the answer is never a server error.

Derandomized, so a run is reproducible; a failure prints the request that caused it.
"""

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.result import Ok

from tests.e2e.test_maintenance import operator
from tools import devstack
from tools.stack import Stack

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 10
# Server-sent events answer 200 and never end: nothing to learn from a timeout.
ENDLESS = {"/sandbox/stream"}


@pytest.fixture
def stack(request, stacks):
    """A stack of its own: what the fuzzing leaves behind concerns no other test."""
    return stacks.get(request, lambda workdir: Stack("local", workdir))


@pytest.mark.parametrize("app", devstack.APPS)
def test_no_generated_request_gets_a_server_error(stack, app):
    schema = schemathesis.openapi.from_url(f"{stack[app].url}/openapi.json")
    # The operator API is behind a token: fuzz what lies behind it, not only the 401.
    headers = dict(operator(stack).headers) if app == "maintenance" else {}
    headers.pop("user-agent", None)
    server_errors: list[str] = []
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), f"{app}: its OpenAPI is invalid"
    operations = [r.ok() for r in results if isinstance(r, Ok) and r.ok().path not in ENDLESS]
    assert operations, f"{app} documents no operation"
    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(headers=headers, timeout=15)
            if response.status_code >= 500:
                server_errors.append(
                    f"{case.method} {case.path} {case.path_parameters} {case.query} "
                    f"{case.body!r:.300} -> {response.status_code} {response.text[:300]}"
                )

        call()
    assert not server_errors, "\n".join(server_errors)
