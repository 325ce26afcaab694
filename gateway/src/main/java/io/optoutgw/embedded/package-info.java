/**
 * The gateway's side of the built-in SMSC simulator: the interface it owns and the {@link
 * java.util.ServiceLoader} lookup. The simulator ({@code io.optoutgw.simulator}, packaged as
 * simulator.jar) implements it; nothing else in the gateway names the simulator's classes.
 */
package io.optoutgw.embedded;
