#pragma once
// The concrete sources behind openDataSource (one file each). Each returns a source over all
// items of its file; openDataSource attaches labels and applies the sample limits.

#include "data/DataSource.h"

#include <string>
#include <vector>

namespace ql::data {

// `*-idx3-ubyte[.gz]` and other IDX arrays (first dimension = items). Looks for the sibling
// labels file (`images-idx3` -> `labels-idx1`) unless options.labels is set.
Result<std::unique_ptr<DataSource>> openIdxSource(const std::string& path, const ModelInputInfo& inputs,
                                                  const DataOptions& options);
// A folder of PNG/JPEG (and the other formats stb_image reads) images, optionally one
// subfolder per class.
Result<std::unique_ptr<DataSource>> openImageFolder(const std::string& path, const ModelInputInfo& inputs,
                                                    const DataOptions& options);
// `random:N[:SEED]`.
Result<std::unique_ptr<DataSource>> openRandomSource(const std::string& spec, const ModelInputInfo& inputs,
                                                     const DataOptions& options);
// `.npy` (the single input, batch first) and `.npz` (one array per input, by name or order).
Result<std::unique_ptr<DataSource>> openNpySource(const std::string& path, const ModelInputInfo& inputs,
                                                  const DataOptions& options);
Result<std::unique_ptr<DataSource>> openNpzSource(const std::string& path, const ModelInputInfo& inputs,
                                                  const DataOptions& options);

// Integer class labels from an IDX file (1-D) or a 1-D integer .npy.
Result<std::vector<int>> readLabelFile(const std::string& path);
Result<std::vector<int>> readIdxLabels(const std::string& path);

} // namespace ql::data
