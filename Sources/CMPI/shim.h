#include <mpi.h>

// MPI_COMM_WORLD and the datatypes are macros over globals of incomplete type, which
// Swift cannot import; these return them.
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
