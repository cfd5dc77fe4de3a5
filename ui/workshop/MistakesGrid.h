#pragma once
// A grid of the images the quantized model gets wrong: each tile is the image scaled up with
// nearest-neighbour sampling (pixels stay visible) and the int8, float and true class names.

#include "workshop/WorkshopJobs.h"

#include <QScrollArea>
#include <memory>

class QGridLayout;
class QLabel;

namespace ql::ui::workshop {

class MistakesGrid : public QScrollArea {
    Q_OBJECT
public:
    explicit MistakesGrid(QWidget* parent = nullptr);
    void resetData(std::shared_ptr<const CompareOutcome> snapshot);
    int tileCount() const { return m_tiles; }
    void setColumns(int columns) { m_columns = columns; }

private:
    QString className(int index) const;

    std::shared_ptr<const CompareOutcome> m_data;
    QWidget* m_content;
    QGridLayout* m_grid;
    QLabel* m_summary;
    int m_tiles = 0;
    int m_columns = 8;
};

} // namespace ql::ui::workshop
