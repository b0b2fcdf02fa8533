#pragma once
/// @file sync.hpp
/// Every synchronization primitive for tasks: Lock, RLock, Condition, Event, Semaphore,
/// BoundedSemaphore.

#include <picos/condition.hpp>
#include <picos/event.hpp>
#include <picos/lock.hpp>
#include <picos/semaphore.hpp>
