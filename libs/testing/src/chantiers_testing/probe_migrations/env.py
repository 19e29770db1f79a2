from chantiers_common.migrations import run_env
from chantiers_testing.probe import metadata

run_env(metadata)
