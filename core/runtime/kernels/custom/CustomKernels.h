#pragma once
// Custom operators that real models ship with (registered by their custom code, options in a
// flexbuffer: model/CustomOptions.h). One operator per file under kernels/custom/.

namespace ql::rt {
class KernelRegistry;
}

namespace ql::rt::custom {

void registerDetectionPostProcess(KernelRegistry& r); // TFLite_Detection_PostProcess
void registerMaxPoolingWithArgmax(KernelRegistry& r); // MediaPipe's MaxPoolingWithArgmax2D
void registerMaxUnpooling(KernelRegistry& r);         // MediaPipe's MaxUnpooling2D
void registerAudioSpectrogram(KernelRegistry& r);     // TFLite's AudioSpectrogram
void registerMfcc(KernelRegistry& r);                 // TFLite's Mfcc

} // namespace ql::rt::custom
