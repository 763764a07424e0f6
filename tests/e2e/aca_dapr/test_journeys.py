"""The journeys on daprd 1.16, the minor Azure Container Apps runs (and cannot pin):
the services use nothing newer. Retries before dead letters are checked here too, since
the resiliency policy is what keeps a provider's hiccup from parking a paid order."""

import httpx
import pytest

from tests.e2e.journeys import *  # noqa: F403 - collected here, on this runtime
from tests.e2e.test_conversation import (  # noqa: F401
    test_lost_astria_callbacks_are_recovered_by_reconciliation,
)
from tests.e2e.test_maintenance import (  # noqa: F401
    test_the_reconcile_cron_ticks_and_each_tick_is_one_run,
)
from tools.devstack import ACA_DAPRD_VERSION

pytestmark = pytest.mark.e2e


def test_every_sidecar_runs_acas_dapr_with_its_components_loaded(stack):
    expected = {
        "sandbox": {"pubsub", "secretstore"},
        "message": {"pubsub", "secretstore", "statestore"},
        "image": {"pubsub", "secretstore", "statestore", "blobstore"},
        "payment": {"pubsub", "secretstore", "statestore"},
        "maintenance": {"pubsub", "secretstore", "statestore", "cron-reconcile", "cron-cleanup"},
    }
    for app in stack.apps.values():
        metadata = httpx.get(f"{app.dapr_url}/v1.0/metadata", timeout=5).json()
        assert metadata["runtimeVersion"] == ACA_DAPRD_VERSION
        loaded = {component["name"] for component in metadata.get("components", [])}
        assert expected[app.app_id] <= loaded, (app.name, loaded)
