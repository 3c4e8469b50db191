// Where work runs. The device is chosen once, from the user's text, and from then on it is an enum: no code
// recognises a backend by its name.
#pragma once
#include <string>

namespace zcnas {

enum class Device { Cpu, Cuda };
enum class DeviceChoice { Auto, Cpu, Cuda };

const char* device_name(Device device);  // "cpu" | "cuda"

// "auto" | "cpu" | "cuda"; throws naming the text.
DeviceChoice parse_device(const std::string& text);

// Number of usable CUDA devices: 0 in a build without CUDA or on a machine without a GPU. Never throws.
int cuda_device_count();

// The device a choice means here. Auto takes the GPU when there is one, and otherwise says in *note that
// it falls back to the CPU; Cuda without a GPU (or without a CUDA build) throws with the reason.
Device resolve_device(DeviceChoice choice, std::string* note = nullptr);

}  // namespace zcnas
