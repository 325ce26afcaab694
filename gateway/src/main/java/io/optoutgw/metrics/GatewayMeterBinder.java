package io.optoutgw.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's gauges and function counters, each reading the state of a running component:
 * declared by the composition root, then bound to the registry at once. Names, descriptions and
 * tag keys come from {@link GatewayMeter}, as for the other meters.
 */
public final class GatewayMeterBinder implements MeterBinder {

    private final List<Consumer<MeterRegistry>> meters = new ArrayList<>();

    /** A gauge of {@code meter} reading {@code value} of {@code target}, with the meter's tags set to {@code tagValues}. */
    public <T> GatewayMeterBinder gauge(GatewayMeter meter, T target, ToDoubleFunction<T> value, String... tagValues) {
        String[] tags = GatewayMetrics.tags(meter, tagValues);
        meters.add(registry -> Gauge.builder(meter.meterName(), target, value)
                .description(meter.description())
                .tags(tags)
                .register(registry));
        return this;
    }

    /** A counter of {@code meter} whose count is {@code value} of {@code target} (monotonic). */
    public <T> GatewayMeterBinder functionCounter(
            GatewayMeter meter, T target, ToDoubleFunction<T> value, String... tagValues) {
        String[] tags = GatewayMetrics.tags(meter, tagValues);
        meters.add(registry -> FunctionCounter.builder(meter.meterName(), target, value)
                .description(meter.description())
                .tags(tags)
                .register(registry));
        return this;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        meters.forEach(m -> m.accept(registry));
    }
}
