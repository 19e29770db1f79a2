from chantiers_common.migrations import run_env
from structures.db import metadata

run_env(metadata)
