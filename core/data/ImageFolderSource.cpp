// A folder of images as a data source. Images are decoded with stb_image (PNG, JPEG, BMP, GIF,
// TGA, PNM) into the input's channel count (stb converts RGB to gray with its integer luma
// weights), resized bilinearly to the input's height and width, laid out as the input wants
// (NHWC or NCHW) and normalised (options, the model's metadata, or the defaults of
// DataSource.h). A folder whose subfolders hold images is a classification set: the label of
// an image is the index of its subfolder in name order.
#include "data/Convert.h"
#include "data/ImageResize.h"
#include "data/Sources.h"
#include "io/MappedFile.h"

// Internal linkage: another part of the program may carry its own copy of stb_image.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_FAILURE_USERMSG
#include <stb/stb_image.h>

#include <algorithm>
#include <filesystem>
#include <limits>

namespace ql::data {
namespace {

namespace fs = std::filesystem;

bool isImageFile(const fs::path& p) {
    std::string ext = p.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp" || ext == ".gif" || ext == ".tga" ||
           ext == ".pgm" || ext == ".ppm" || ext == ".pnm";
}

struct ImageEntry {
    std::string path;
    int label = -1; // -1: no class
};

class ImageFolderSource final : public DataSource {
public:
    ImageFolderSource(std::string folder, std::vector<ImageEntry> images, size_t classes, InputInfo input,
                      ImageLayout layout, std::optional<Normalization> norm)
        : m_folder(std::move(folder)), m_images(std::move(images)), m_classes(classes), m_input(std::move(input)),
          m_layout(layout), m_norm(std::move(norm)) {}

    size_t size() const override { return m_images.size() / static_cast<size_t>(m_layout.batch); }

    Result<Sample> get(size_t i) const override {
        if (i >= size()) return makeError(m_folder + ": sample " + std::to_string(i) + " is out of range (" + std::to_string(size()) + ")");
        const size_t h = static_cast<size_t>(m_layout.height), w = static_cast<size_t>(m_layout.width);
        const size_t c = static_cast<size_t>(m_layout.channels), plane = h * w;
        const size_t perImage = plane * c;
        std::vector<float> pixels(perImage * static_cast<size_t>(m_layout.batch));
        std::vector<float> hwc(m_layout.nchw ? perImage : 0);
        for (size_t b = 0; b < static_cast<size_t>(m_layout.batch); ++b) {
            const std::string& path = m_images[i * static_cast<size_t>(m_layout.batch) + b].path;
            auto file = MappedFile::open(path);
            if (!file) return file.error();
            const auto bytes = (*file)->bytes();
            if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
                return makeError(path + ": cannot read image (file too large)");
            int width = 0, height = 0, found = 0;
            stbi_uc* decoded = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height, &found,
                                                     m_layout.channels);
            if (!decoded) {
                const char* why = stbi_failure_reason();
                return makeError(path + ": cannot read image (" + std::string(why ? why : "unknown format") + ")");
            }
            float* dst = pixels.data() + b * perImage;
            resizeBilinear(decoded, width, height, m_layout.channels, m_layout.nchw ? hwc.data() : dst, m_layout.width,
                           m_layout.height);
            stbi_image_free(decoded);
            if (m_layout.nchw) // HWC -> CHW
                for (size_t p = 0; p < plane; ++p)
                    for (size_t k = 0; k < c; ++k) dst[k * plane + p] = hwc[p * c + k];
        }
        SampleTensor t;
        t.type = m_input.type;
        t.shape = m_input.shape;
        t.bytes.resize(pixels.size() * elementSize(m_input.type));
        convertPixels(pixels, c, m_layout.nchw ? plane : 1, m_input, m_norm ? &*m_norm : nullptr, t.bytes.data());
        Sample s;
        s.tensors.push_back(std::move(t));
        return s;
    }

    std::optional<int> label(size_t i) const override {
        if (m_layout.batch != 1 || i >= m_images.size() || m_images[i].label < 0) return std::nullopt;
        return m_images[i].label;
    }

    std::string describe() const override {
        return m_folder + ": " + std::to_string(m_images.size()) + " images" +
               (m_classes ? " in " + std::to_string(m_classes) + " classes" : std::string()) + ", resized to " +
               std::to_string(m_layout.width) + "x" + std::to_string(m_layout.height) +
               (m_layout.channels == 1 ? " gray" : " RGB") + (m_layout.nchw ? " NCHW" : " NHWC");
    }

private:
    std::string m_folder;
    std::vector<ImageEntry> m_images;
    size_t m_classes;
    InputInfo m_input;
    ImageLayout m_layout;
    std::optional<Normalization> m_norm;
};

std::vector<fs::path> sortedEntries(const fs::path& dir) {
    std::vector<fs::path> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
    std::sort(entries.begin(), entries.end());
    return entries;
}

} // namespace

Result<std::unique_ptr<DataSource>> openImageFolder(const std::string& folder, const ModelInputInfo& inputs,
                                                    const DataOptions& options) {
    if (inputs.inputs.size() != 1)
        return makeError(folder + ": a folder of images feeds a model with one input; this model has " +
                         std::to_string(inputs.inputs.size()));
    const InputInfo& input = inputs.inputs[0];
    if (!isWritableType(input.type))
        return makeError(folder + ": cannot convert images into input '" + input.name + "' of type " + std::string(typeName(input.type)));
    auto layout = imageLayout(input);
    if (!layout) return makeError(folder + ": " + layout.message());

    std::vector<ImageEntry> images;
    size_t classes = 0;
    std::error_code ec;
    for (const fs::path& p : sortedEntries(folder)) {
        if (fs::is_directory(p, ec)) {
            bool any = false;
            for (const fs::path& q : sortedEntries(p))
                if (fs::is_regular_file(q, ec) && isImageFile(q)) {
                    images.push_back({q.string(), static_cast<int>(classes)});
                    any = true;
                }
            if (any) ++classes;
        } else if (fs::is_regular_file(p, ec) && isImageFile(p)) {
            images.push_back({p.string(), -1});
        }
    }
    if (images.empty())
        return makeError(folder + ": the folder has no images (PNG, JPEG, BMP, GIF, TGA or PNM, directly or in one "
                                  "subfolder per class)");
    if (images.size() < static_cast<size_t>(layout->batch))
        return makeError(folder + ": " + std::to_string(images.size()) + " images, but input '" + input.name +
                         "' takes a batch of " + std::to_string(layout->batch));
    std::optional<Normalization> norm = options.normalization;
    if (!norm && !inputs.metadataNormalization.empty()) norm = inputs.metadataNormalization[0];
    return std::unique_ptr<DataSource>(
        std::make_unique<ImageFolderSource>(folder, std::move(images), classes, input, *layout, std::move(norm)));
}

} // namespace ql::data
