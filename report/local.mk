# report/: llmbench-report (no MPI, no CUDA).  Placeholder until the report issue lands.
