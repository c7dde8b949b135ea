#pragma once
// Options of Array::rechunk().
//
//   x.rechunk({n, 1000})                  // rows to columns, planned by the setting
//   x.rechunk({n, 1000}, {.fan_in = 8})   // at most 8 pieces per assembled block

namespace tessera {

/// How rechunk() plans its work.
struct RechunkOptions {
  /// The most input pieces one task assembles into a block; when an output block would need
  /// more, rechunk goes through intermediate chunkings. 0: the "array_rechunk_fan_in"
  /// setting (32 by default).
  int fan_in = 0;
};

}  // namespace tessera
