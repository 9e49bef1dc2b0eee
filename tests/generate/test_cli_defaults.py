"""One source for every default: a flag of a config field shows the field's default."""

import dataclasses

import pytest

from generate.geometry import cli as geometry_cli
from generate.geometry.config import GeometryConfig
from generate.geometry.theorems import Limits
from generate.rest_em import cli as rest_em_cli
from generate.rest_em.config import RestEMConfig


@pytest.mark.parametrize(
    "parser, required, config_class",
    [
        (geometry_cli.parser, [], GeometryConfig),
        (rest_em_cli.parser, ["--domain", "math"], RestEMConfig),
    ],
)
def test_every_config_flag_defaults_to_the_field_default(parser, required, config_class):
    fields = {f.name: f.default for f in dataclasses.fields(config_class)}
    parsed = {k: v for k, v in vars(parser().parse_args(required)).items() if k in fields}
    assert len(parsed) >= 10
    for name, value in parsed.items():
        if fields[name] is not dataclasses.MISSING:
            assert value == fields[name], name


def test_the_built_in_run_size_is_the_config_default():
    assert GeometryConfig(out="x").n == 40_000
    assert geometry_cli.parser().parse_args([]).n == 40_000


def test_limits_are_read_from_the_config_only():
    config = GeometryConfig(
        out="x", min_steps=5, aux_only=True, checks=4, max_subclosures=2, closure_timeout=3.5
    )
    limits = config.limits()
    for f in dataclasses.fields(Limits):
        assert getattr(limits, f.name) == getattr(config, f.name), f.name
        assert getattr(limits, f.name) != f.default, f"{f.name}: the test must move it"
