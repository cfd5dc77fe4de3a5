#pragma once
// The model dock: file, version, description, subgraphs with their inputs and outputs,
// signatures, metadata, operators by type and constants by dtype.

#include "Snapshots.h"
#include "inspect/PropertyTreeModel.h"

namespace ql::ui {

class ModelInfoModel : public PropertyTreeModel {
    Q_OBJECT
public:
    using PropertyTreeModel::PropertyTreeModel;
    void resetData(std::shared_ptr<const LoadedModel> snapshot);

private:
    std::shared_ptr<const LoadedModel> m_snapshot;
};

} // namespace ql::ui
