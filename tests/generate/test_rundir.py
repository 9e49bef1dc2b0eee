"""One owner of a run directory: its lock, its config check, its temporaries."""

import dataclasses
import json

import pytest

from generate.errors import ConfigMismatch
from generate.geometry.config import RESUMABLE, GeometryConfig
from generate.rest_em.config import RESUMABLE as REST_EM_RESUMABLE
from generate.rest_em.config import RestEMConfig
from generate.rundir import RunDir, check_config


def test_config_guard(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    check_config(run, {"seed": 0, "n": 10}, ["n"])
    check_config(run, {"seed": 0, "n": 99}, ["n"])  # n may change between runs
    assert json.loads((run / "config.json").read_text())["n"] == 99
    with pytest.raises(ConfigMismatch, match="seed=0"):
        check_config(run, {"seed": 1, "n": 99}, ["n"])
    # a field the directory's config lacks is a change, not a default
    with pytest.raises(ConfigMismatch, match="aux_share=None"):
        check_config(run, {"seed": 0, "n": 99, "aux_share": 0.5}, ["n"])
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConfigMismatch, match="not a run directory"):
        check_config(other, {"seed": 0}, [])


def test_a_run_dir_is_held_by_one_process_and_sweeps_temporaries(tmp_path):
    root = tmp_path / "run"
    with RunDir(root, {"seed": 0}, []):
        (root / "data").mkdir()
        (root / "data" / ".tmp.00000.parquet.k1ll3d").write_bytes(b"")
        with pytest.raises(ConfigMismatch, match="another run is using"):
            RunDir(root, {"seed": 0}, []).__enter__()
    with RunDir(root, {"seed": 0}, []) as run_dir:  # released, then taken again
        assert not list((root / "data").iterdir())
        assert run_dir.config_path.exists() and not run_dir.is_done(0)
    with pytest.raises(ConfigMismatch, match="seed=0"), RunDir(root, {"seed": 1}, []):
        pass
    with RunDir(root, {"seed": 0}, []):  # a refused config released the lock
        pass


def _extended(config_class, **extra):
    """`config_class` with one more field, as an engineer would add it."""
    fields = [(name, type(value), value) for name, value in extra.items()]
    return dataclasses.make_dataclass(
        "Extended", fields, bases=(config_class,), frozen=True, slots=True
    )


@pytest.mark.parametrize(
    "config_class, resumable, required",
    [
        (GeometryConfig, RESUMABLE, {}),
        (RestEMConfig, REST_EM_RESUMABLE, {"domain": "math"}),
    ],
)
def test_a_new_config_field_is_part_of_the_identity(tmp_path, config_class, resumable, required):
    names = {f.name for f in dataclasses.fields(config_class)}
    assert set(resumable) <= names, "RESUMABLE names a field the config does not have"
    out = tmp_path / "run"
    out.mkdir()
    extended = _extended(config_class, max_goals=5)
    first = extended(out=str(out), **required)
    check_config(out, first.to_json(), resumable)
    check_config(out, extended(out=str(out), workers=1, **required).to_json(), resumable)
    with pytest.raises(ConfigMismatch, match="max_goals=5"):
        check_config(out, extended(out=str(out), max_goals=6, **required).to_json(), resumable)
