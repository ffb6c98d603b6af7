#pragma once
/// Every MPI message tag of the engine, in one table: two protocols never share a tag.
namespace irrev::dist {

constexpr int kTagTrained = 301;  ///< train-inverter: the training ranks' summary -> the waiting ranks
/// bench/queue_capacity's ping-pong between rank 0 and the last rank, and its end for the others.
constexpr int kTagBenchPingPong = 401;
constexpr int kTagBenchPingPongDone = 402;
/// Work queues: each call takes the next pair of tags from this range (worker -> master: a
/// unit's result or "ready"; master -> worker: the next unit or the end), so that the late
/// answer of a worker that a queue gave up on is never taken for another queue's message.
constexpr int kTagWorkQueueFirst = 1000;
constexpr int kTagWorkQueuePairs = 10000;

}  // namespace irrev::dist
