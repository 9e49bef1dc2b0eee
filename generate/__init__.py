"""The generators and what they share; the only package that imports the other three.

geometry/      AlphaGeometry-style theorem generation (`python -m generate.geometry`)
rest_em/       ReST-EM self-training (`python -m generate.rest_em`)
executors.py   where shard tasks run: in process, a local pool, a Ray cluster
shards.py      the unit of work, its completion markers, how a killed run resumes
rundir.py      the owner of a run directory: its lock, its config check, its temporaries
index.py       a run's on-disk dedup index
cli.py         what both command lines share: count flags, logging, one-line errors, exit codes
errors.py      the package's exceptions
"""
