import pytest

from services.sandbox.app import create_app
from services.sandbox.bootstrap import SandboxRuntime
from services.sandbox.store import SandboxStore
from tests.contract.sandbox import ACCOUNT_SID, ASTRIA_KEY, AUTH_TOKEN, META_TOKEN, STRIPE_KEY
from tests.fakes import FixedClock
from tests.servers import serve


@pytest.fixture(scope="module")
def sandbox():
    """(base URL, store) of a sandbox app that only this test module talks to."""
    runtime = SandboxRuntime(
        store=SandboxStore(),
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        meta_access_token=META_TOKEN,
        astria_api_key=ASTRIA_KEY,
        stripe_secret_key=STRIPE_KEY,
        clock=FixedClock(),
    )
    with serve(create_app(build_deps=lambda _s: runtime)) as url:
        yield url, runtime.store
