"""claim(): silent when a statement holds; when it does not, the maintainers' strict full-mode run stops, the
fast setting warns, and anyone else's run says so and goes on."""
import pytest

from vae_tf.claims import ClaimError, claim


def test_a_claim_that_holds_prints_nothing(capsys, monkeypatch):
    for fast in ("0", "1"):
        for strict in ("0", "1"):
            monkeypatch.setenv("VAE_TF_FAST", fast)
            monkeypatch.setenv("VAE_TF_STRICT", strict)
            claim(2 < 3, "two is less than three")
            captured = capsys.readouterr()
            assert captured.out == captured.err == ""


def test_a_false_claim_stops_only_the_strict_full_run(capsys, monkeypatch):
    monkeypatch.setenv("VAE_TF_FAST", "0")
    monkeypatch.setenv("VAE_TF_STRICT", "1")
    with pytest.raises(ClaimError, match="three is less than two"):
        claim(3 < 2, "three is less than two")
    monkeypatch.setenv("VAE_TF_FAST", "1")
    with pytest.warns(RuntimeWarning, match="fast setting: three is less than two"):
        claim(3 < 2, "three is less than two")
    monkeypatch.setenv("VAE_TF_FAST", "0")
    monkeypatch.setenv("VAE_TF_STRICT", "0")     # a lecturer's run on another machine
    claim(3 < 2, "three is less than two")
    captured = capsys.readouterr()
    assert captured.out == "" and "this run differs from the text: three is less than two" in captured.err
