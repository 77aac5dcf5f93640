"""claim(): ✔ when a statement holds; a failure in full mode, a warning in the fast setting, when it does not."""
import pytest

from vae_tf.claims import ClaimError, claim


def test_a_claim_that_holds_is_printed_with_a_tick(capsys, monkeypatch):
    for fast in ("0", "1"):
        monkeypatch.setenv("VAE_TF_FAST", fast)
        claim(2 < 3, "two is less than three")
        assert capsys.readouterr().out == "✔ two is less than three\n"


def test_a_false_claim_fails_a_full_run_and_warns_in_the_fast_setting(capsys, monkeypatch):
    monkeypatch.setenv("VAE_TF_FAST", "0")
    with pytest.raises(ClaimError, match="three is less than two"):
        claim(3 < 2, "three is less than two")
    monkeypatch.setenv("VAE_TF_FAST", "1")
    with pytest.warns(RuntimeWarning, match="fast setting: three is less than two"):
        claim(3 < 2, "three is less than two")
    assert capsys.readouterr().out == ""
