/** Load generator, SMSC simulator runs and benchmarks for the gateway (see the README). */
package io.optoutgw.loadtest;
