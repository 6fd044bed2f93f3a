"""The shared redaction pass: every secret shape becomes a stable marker."""

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.redact import is_secret_option, redact_obj, redact_text, redact_value, secret_marker


def test_url_credentials_of_every_host_are_masked():
    url = "rabbit://guest:pw1@controller-0:5672,guest:pw2@controller-1:5672,guest:pw3@controller-2:5672/?ssl=0"
    out = redact_text(f"transport_url={url}")
    assert "pw1" not in out and "pw2" not in out and "pw3" not in out
    assert out.count("[redacted:") == 3 and "guest:" in out and "controller-2:5672" in out


def test_markers_are_stable_so_nodes_still_compare():
    assert redact_value("password", "s3cret") == redact_value("admin_password", "s3cret") == secret_marker("s3cret")
    assert redact_value("password", "s3cret") != redact_value("password", "other")
    assert redact_text(redact_text("password=abc")) == redact_text("password=abc")


def test_secret_option_names():
    for name in ("password", "admin_password", "memcache_secret_key", "wsrep_sst_auth", "auth_key", "token"):
        assert is_secret_option(name), name
    for name in ("password_file", "token_expiration", "key_path", "debug", "auth_type"):
        assert not is_secret_option(name), name


def test_free_text_secrets():
    text = ("password=hunter2 X-Auth-Token: gAAAAABexampleFernetToken0123456789abcdef "
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----")
    out = redact_text(text)
    for secret in ("hunter2", "gAAAAABexample", "MIIEow"):
        assert secret not in out
    assert redact_obj({"a": [text]})["a"][0] == out


_PIECES = ["password", "PassWd", "pwd", "secret", "token", "X-Auth-Token", "api_key", "auth_key",
           "=", ": ", "\"", "'", " ", ",", "://", "amqp", "user", ":", "@", "host", "gAAAAA",
           "MII", "A" * 45, "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----",
           "abcDEF123", "\n", "é", "_", "-"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14).map("".join))
def test_the_quick_check_skips_only_texts_without_any_secret_shape(text):
    from analyzer.redact import _redact_shapes

    assert redact_text(text) == _redact_shapes(text)
