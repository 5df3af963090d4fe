#include "platform/registry.hpp"
