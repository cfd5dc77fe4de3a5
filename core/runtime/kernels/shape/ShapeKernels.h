#pragma once
// Registration functions of the shape family's files; shape.cpp calls them all.

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::shape {

void registerReshapeKernels(KernelRegistry& r);    // RESHAPE SQUEEZE EXPAND_DIMS SHAPE RANK FILL ZEROS_LIKE
void registerTransposeKernels(KernelRegistry& r);  // TRANSPOSE REVERSE_V2 TILE BROADCAST_TO
void registerConcatKernels(KernelRegistry& r);     // CONCATENATION SPLIT SPLIT_V PACK UNPACK
void registerPadKernels(KernelRegistry& r);        // PAD PADV2 MIRROR_PAD
void registerSliceKernels(KernelRegistry& r);      // SLICE STRIDED_SLICE
void registerGatherKernels(KernelRegistry& r);     // GATHER GATHER_ND
void registerSpaceKernels(KernelRegistry& r);      // DEPTH_TO_SPACE SPACE_TO_DEPTH SPACE_TO_BATCH_ND BATCH_TO_SPACE_ND
void registerResizeKernels(KernelRegistry& r);     // RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR
void registerSelectKernels(KernelRegistry& r);     // SELECT SELECT_V2
void registerIndexKernels(KernelRegistry& r);      // ARG_MAX ARG_MIN CUMSUM RANGE
void registerSearchKernels(KernelRegistry& r);     // TOPK_V2 NON_MAX_SUPPRESSION_V4/V5 WHERE
void registerScatterKernels(KernelRegistry& r);    // DYNAMIC_UPDATE_SLICE SCATTER_ND ONE_HOT BROADCAST_ARGS
void registerSegmentKernels(KernelRegistry& r);    // SEGMENT_SUM UNSORTED_SEGMENT_* SPARSE_TO_DENSE BUCKETIZE
void registerDiagKernels(KernelRegistry& r);       // MATRIX_DIAG MATRIX_SET_DIAG REVERSE_SEQUENCE
void registerEmbeddingLookupKernels(KernelRegistry& r); // EMBEDDING_LOOKUP

} // namespace ql::rt::shape
