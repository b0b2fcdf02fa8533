#pragma once
/// @file picos.hpp
/// Everything most programs need: tasks, the scheduler, messages, timeouts and logging.

#include <picos/errors.hpp>
#include <picos/log.hpp>
#include <picos/message.hpp>
#include <picos/scheduler.hpp>
#include <picos/task.hpp>
#include <picos/this_task.hpp>
#include <picos/timeout.hpp>
