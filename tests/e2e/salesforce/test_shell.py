"""The Salesforce API's shell over live HTTPS: versions, resources, limits, sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

from opportune import Opportune, User
from opportune.services.auth import AuthService
from tests.e2e.salesforce.conftest import SfServer, salesforce_client

LIMIT_HEADER = "Sforce-Limit-Info"


def test_the_versions_list_offers_50_to_62_with_release_names_and_needs_no_session(
    sf_server: SfServer, sf_session: requests.Session
) -> None:
    for path in ("/services/data", "/services/data/"):
        response = sf_session.get(sf_server.url + path)
        assert response.status_code == 200
        versions = response.json()
        assert [v["version"] for v in versions] == [f"{n}.0" for n in range(50, 63)]
    assert versions[0] == {"label": "Winter '21", "url": "/services/data/v50.0", "version": "50.0"}
    assert versions[9]["label"] == "Winter '24"  # 59.0
    assert versions[-1] == {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}


def test_a_version_lists_its_resources_as_paths(
    sf: Salesforce, sf_server: SfServer, sf_session: requests.Session, sf_token: str
) -> None:
    resources = sf.restful("")
    assert resources == {
        "sobjects": "/services/data/v59.0/sobjects",
        "query": "/services/data/v59.0/query",
        "queryAll": "/services/data/v59.0/queryAll",
        "limits": "/services/data/v59.0/limits",
        "jobs": "/services/data/v59.0/jobs",
    }
    headers = {"Authorization": f"Bearer {sf_token}"}
    response = sf_session.get(sf_server.url + "/services/data/v62.0", headers=headers)
    assert response.json()["query"] == "/services/data/v62.0/query"


def test_limits_report_the_daily_api_requests_and_every_response_counts_them(
    sf: Salesforce, sf_server: SfServer, sf_session: requests.Session
) -> None:
    first = sf.limits()["DailyApiRequests"]
    used = sf.api_usage["api-usage"]
    assert (used.used, used.total) == (1, 100_000)
    assert first == {"Max": 100_000, "Remaining": 99_999}
    assert sf.restful("limits")["DailyApiRequests"]["Remaining"] == 99_998
    assert sf.api_usage["api-usage"].used == 2
    # Errors and the versions list count and carry the header too.
    assert sf_session.get(sf_server.data_url("limits/")).headers[LIMIT_HEADER] == (
        "api-usage=3/100000"
    )
    assert sf_session.get(sf_server.url + "/services/data").headers[LIMIT_HEADER] == (
        "api-usage=4/100000"
    )


@pytest.mark.parametrize("version", ["49.0", "63.0", "59.1"])
def test_a_version_outside_50_to_62_is_not_found_in_salesforce_s_error_shape(
    sf_server: SfServer, sf_session: requests.Session, sf_token: str, version: str
) -> None:
    headers = {"Authorization": f"Bearer {sf_token}"}
    response = sf_session.get(sf_server.data_url("limits/", version), headers=headers)
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_a_missing_or_unknown_session_is_401_invalid_session_id(
    sf_server: SfServer, sf_session: requests.Session
) -> None:
    for headers in ({}, {"Authorization": "Bearer opp_not-a-token"}, {"Authorization": "Basic x"}):
        response = sf_session.get(sf_server.data_url("limits/"), headers=headers)
        assert response.status_code == 401
        assert response.headers[LIMIT_HEADER].startswith("api-usage=")
        [error] = response.json()
        assert error["errorCode"] == "INVALID_SESSION_ID"
        assert error["message"] == "Session expired or invalid"
    with pytest.raises(SalesforceExpiredSession):
        salesforce_client(sf_server, "opp_not-a-token", sf_session).limits()


def test_an_expired_session_is_refused_like_an_unknown_one(
    core: Opportune, admin: User, sf_server: SfServer, sf_session: requests.Session
) -> None:
    assert admin.id is not None
    two_days_ago = datetime.now(UTC) - timedelta(days=2)
    earlier = AuthService(core.engine, core.auth.hasher, lambda: two_days_ago)
    token = earlier.create_token(None, admin.id, "one day", expires_in_days=1).token
    sf = salesforce_client(sf_server, token, sf_session)
    with pytest.raises(SalesforceExpiredSession) as raised:
        sf.limits()
    assert raised.value.content[0]["errorCode"] == "INVALID_SESSION_ID"


def test_requests_over_the_daily_limit_are_refused_with_request_limit_exceeded(
    core: Opportune, sf_server: SfServer, sf: Salesforce, sf_session: requests.Session
) -> None:
    core.settings.salesforce_daily_api_requests = 2  # read when the first request is counted
    assert sf.limits()["DailyApiRequests"] == {"Max": 2, "Remaining": 1}
    sf.restful("")
    with pytest.raises(SalesforceRefusedRequest) as raised:
        sf.limits()
    assert raised.value.status == 403
    assert raised.value.content[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    refused = sf_session.get(sf_server.url + "/services/data/")
    assert (refused.status_code, refused.headers[LIMIT_HEADER]) == (403, "api-usage=2/2")
