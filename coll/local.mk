# automake fragment (included by the top Makefile.am); use += only
# coll/: the collectives registry (coll/coll.h): one file per collective per communication
# backend (coll/<backend>_<name>.c), the backend's progress calls (coll/<backend>.c), and the
# verification data they share.  MPI; nothing from bench/.
noinst_LIBRARIES += libllmb_coll.a
libllmb_coll_a_SOURCES = coll/coll.c coll/coll.h coll/mpi.c \
	coll/mpi_allreduce.c coll/mpi_reduce_scatter.c coll/mpi_allgather.c \
	coll/mpi_alltoall.c coll/mpi_broadcast.c coll/mpi_sendrecv.c
libllmb_coll_a_CPPFLAGS = -I$(top_srcdir) -I$(top_srcdir)/lib -I$(top_builddir)
