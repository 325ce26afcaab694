/** Load generator, SMSC simulator runs and benchmarks for the gateway (see docs/performance.md). */
package io.optoutgw.loadtest;
