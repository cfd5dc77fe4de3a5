#pragma once
// A grid of the images the quantized model gets wrong: each tile is the image scaled up with
// nearest-neighbour sampling (pixels stay visible) and the int8, float and true class names.
// The tiles fill the width: as many columns as fit (fixed with setColumns).

#include "workshop/WorkshopJobs.h"

#include <QScrollArea>
#include <memory>
#include <vector>

class QGridLayout;
class QLabel;

namespace ql::ui::workshop {

class MistakesGrid : public QScrollArea {
    Q_OBJECT
public:
    explicit MistakesGrid(QWidget* parent = nullptr);
    void resetData(std::shared_ptr<const CompareOutcome> snapshot);
    int tileCount() const { return m_tiles; }
    void setColumns(int columns); // 0: as many as the width holds (the default)
    int columns() const { return m_shownColumns; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QString className(int index) const;
    void placeTiles(); // lays the cells out in rows of columns()

    std::shared_ptr<const CompareOutcome> m_data;
    QWidget* m_content;
    QGridLayout* m_grid;
    QLabel* m_summary;
    int m_tiles = 0;
    int m_columns = 0;      // 0: from the width
    int m_shownColumns = 1;
    std::vector<QWidget*> m_cells;
};

} // namespace ql::ui::workshop
