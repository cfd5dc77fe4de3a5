#pragma once
// TFLite's post-training quantization decision tree
// (https://www.tensorflow.org/lite/performance/post_training_quantization, the "decision tree"
// figure) as data and a pure function: the answers given so far select the next question, and a
// complete path ends in a leaf = a quantizer configuration (mode, I/O type, notes). The texts of
// every step (short and the longer teaching version) live here too, so that the UI only shows
// them and the whole tree is tested without Qt.
//
// The tree:
//   Q1 optimize at all?                 no  -> none (float baseline)
//   Q2 float16 hardware (GPU)?          yes -> float16
//   Q3 representative data?             no  -> dynamic
//   Q4 integer-only hardware?           yes -> Q5 I/O type (int8 / uint8) -> int8-only
//                                       no  -> int8 (float fallback, float I/O)
//   Q6 accuracy good enough?            yes -> keep the integer mode
//                                       no  -> Q7 fix: int16 activations -> int16x8,
//                                              keep sensitive ops float -> int8 (+ keep-float),
//                                              quantization-aware training -> outside the app
// Q6 is asked after the integer leaves only (float16 and dynamic leave activations in float).

#include "quantize/QuantizeOptions.h"

#include <optional>
#include <string>
#include <vector>

namespace ql::quantize {

enum class Question { Optimize, Float16Hardware, RepresentativeData, IntegerOnlyHardware, IoType, AccuracyGood, AccuracyFix };
enum class AccuracyFix { Int16Activations, KeepFloat, QuantizationAwareTraining };

// Answers so far; unset = not asked yet. Answers to questions off the path are ignored.
struct TreeAnswers {
    std::optional<bool> optimize;
    std::optional<bool> float16Hardware;
    std::optional<bool> representativeData;
    std::optional<bool> integerOnlyHardware;
    std::optional<IoType> io;           // IoType::Int8 or IoType::UInt8 (integer-only hardware)
    std::optional<bool> accuracyGood;
    std::optional<AccuracyFix> fix;

    // Clears the answer to `q` and to every question that can follow it.
    void clearFrom(Question q);
};

struct Choice {
    std::string label;       // "Yes", "No", "uint8 input and output"
    std::string consequence; // one line: where this answer leads
};

struct Step {
    Question question;
    std::string title;        // "Representative data"
    std::string prompt;       // the question itself
    std::string explanation;  // the trade-off, short (normal mode)
    std::string teaching;     // one longer explanation for workshops
    std::vector<Choice> choices; // in the order of answerStep's `choice` index
};

struct Leaf {
    Mode mode = Mode::None;
    IoType io = IoType::Default;
    bool keepSensitiveFloat = false; // the user chose to keep the most sensitive ops float
    bool outsideApp = false;         // quantization-aware training: retrain, then come back
    std::string name;                // "Full integer (int8, float fallback)"
    std::string summary;             // size, speed-up, hardware, accuracy risk
    std::vector<std::string> notes;  // e.g. the deprecated OPTIMIZE_FOR_* aliases
};

// The question to ask next, or nullopt when the path is complete.
std::optional<Question> nextQuestion(const TreeAnswers& answers);
// The questions on the current path that have been answered, in order.
std::vector<Question> answeredPath(const TreeAnswers& answers);
// The texts of a question.
const Step& stepText(Question q);
// Records choice `index` (of stepText(q).choices) as the answer to q; returns false for an
// index out of range. Clears later answers.
bool answerStep(TreeAnswers& answers, Question q, size_t index);
// Index of the recorded answer to q (for the UI's radio buttons), or -1.
int answerIndex(const TreeAnswers& answers, Question q);
// The leaf of a complete path; for an incomplete one, the leaf the answers point at so far
// (the mode the tree would pick if every remaining question got its default answer).
Leaf leafFor(const TreeAnswers& answers);
// The summary of one mode's leaf (size, speed-up, hardware, accuracy risk).
std::string modeTradeOff(Mode mode);

// Every distinct complete answer path (for tests and the teaching overview).
std::vector<TreeAnswers> allPaths();
// One quantizer configuration per leaf mode, in the tree's order: none, float16, dynamic,
// int8, int8-only, int16x8 ("try every leaf").
std::vector<Mode> leafModes();

} // namespace ql::quantize
