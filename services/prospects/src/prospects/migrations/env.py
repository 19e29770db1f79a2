from chantiers_common.migrations import run_env
from prospects.db import metadata

run_env(metadata)
