#include <cblas.h>
/* Declared by OpenBLAS but not by every cblas.h it ships with. */
char *openblas_get_corename(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
/* LAPACK, built into OpenBLAS: eigenvalues and eigenvectors of a symmetric
   matrix (divide and conquer), column-major, Fortran calling convention. */
void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info);
