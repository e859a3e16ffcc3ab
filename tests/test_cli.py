"""The command line and Actions surface shared by every mode."""
from conftest import TOKEN


def test_version(gb):
    r = gb(["--version"], actions=False)
    assert r.returncode == 0
    assert r.out.startswith("gitops-bump ")


def test_token_masked_first_in_actions(gb):
    r = gb(["--version"])
    assert r.out.startswith("::add-mask::" + TOKEN + "\n")


def test_no_mode_is_usage_error(gb):
    r = gb([])
    assert r.returncode == 2
    lines = r.out.splitlines()
    errors = [l for l in lines if l.startswith("::error")]
    assert len(errors) == 1 and "mode" in errors[0]


def test_unknown_mode_plain(gb):
    r = gb(["deploy"], actions=False)
    assert r.returncode == 2
    assert r.err.count("\n") == 1
    assert r.err.startswith("gitops-bump: error: unknown mode 'deploy'")


def test_token_never_a_flag(gb):
    r = gb(["dispatch", "--token", "x"], actions=False)
    assert r.returncode == 2
    assert "GITHUB_TOKEN" in r.err
