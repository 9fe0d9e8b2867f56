package console.examples;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.apache.flink.util.ParameterTool;

/**
 * The console's example of a stateful streaming job: a per-key counter kept in keyed
 * {@link ValueState}. The largest count is exposed as the gauge {@code maxCount} of the
 * {@code counter} operator, so whether state survived a stop and restore is visible through
 * Flink's REST metrics: after a restore it continues from where it stopped instead of from zero.
 *
 * <p>Flags: {@code --rate} records per second (0: as fast as possible), {@code --keys} number of
 * keys, {@code --work} microseconds of busy work per record (creates back-pressure),
 * {@code --uid-suffix} changes the operator uids (a state-incompatible change), {@code --fail-at}
 * throws when a key's count reaches that value, {@code --count} makes the source bounded so the
 * job FINISHES, {@code --checkpoint-interval} in milliseconds, {@code --lag-metric} makes the
 * source report {@code pendingRecords} (the records {@code --rate} asked for since the source
 * started, minus those it emitted), as a Kafka source reports its backlog, for the Autopilot.
 *
 * <p>The source start time chosen in the console's Start dialog arrives as the Flink configuration
 * entry {@code console.source-start-time-ms} of the job (ms since the epoch; absent when the job
 * restores state or none was chosen). The generated records' timestamps then start there and
 * advance at the generation rate, as if the source read from that time; the {@code counter}
 * operator exposes the time used as the gauge {@code sourceStartTimeMs} (-1 when none).
 */
public final class StatefulCounter {

    /** Where the console puts the source start time (see docs/engine.md, "Source start time"). */
    static final ConfigOption<Long> SOURCE_START_TIME_MS =
            ConfigOptions.key("console.source-start-time-ms").longType().defaultValue(-1L);

    public static void main(String[] args) throws Exception {
        ParameterTool params = ParameterTool.fromArgs(args);
        long rate = params.getLong("rate", 50);
        long keys = Math.max(1, params.getLong("keys", 100));
        long work = params.getLong("work", 0);
        long failAt = params.getLong("fail-at", 0);
        long count = params.getLong("count", Long.MAX_VALUE);
        String uidSuffix = params.get("uid-suffix", "");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.getConfig().setGlobalJobParameters(params);
        env.enableCheckpointing(params.getLong("checkpoint-interval", 2000));
        long startTimeMs = env.getConfiguration().get(SOURCE_START_TIME_MS);

        DataGeneratorSource<Long> source = new DataGeneratorSource<>(
                index -> index,
                count,
                rate > 0 ? RateLimiterStrategy.perSecond(rate) : RateLimiterStrategy.noOp(),
                Types.LONG);

        WatermarkStrategy<Long> timestamps = WatermarkStrategy.noWatermarks();
        if (startTimeMs >= 0) {
            double millisPerRecord = rate > 0 ? 1000.0 / rate : 0.0;
            timestamps = WatermarkStrategy.<Long>noWatermarks()
                    .withTimestampAssigner((index, ignored) -> startTimeMs + (long) (index * millisPerRecord));
        }

        Source<Long, ?, ?> numbers =
                params.has("lag-metric") && rate > 0 ? new WithLagMetric<>(source, Types.LONG, rate) : source;
        env.fromSource(numbers, timestamps, "numbers")
                .uid("numbers" + uidSuffix)
                .keyBy(index -> index % keys)
                .process(new CountPerKey(work, failAt, startTimeMs))
                .name("counter")
                .uid("counter" + uidSuffix)
                .sinkTo(new DiscardingSink<>())
                .name("discard")
                .uid("discard" + uidSuffix);

        env.execute("stateful-counter");
    }

    /**
     * A source whose readers report {@code pendingRecords}: what the rate asked of this reader since
     * it started minus what it emitted. Behind a busy operator it grows, as a real backlog does.
     */
    static final class WithLagMetric<T, S extends SourceSplit, E> implements Source<T, S, E>, ResultTypeQueryable<T> {
        private final Source<T, S, E> inner;
        private final TypeInformation<T> type;
        private final double recordsPerSecond;

        WithLagMetric(Source<T, S, E> inner, TypeInformation<T> type, double recordsPerSecond) {
            this.inner = inner;
            this.type = type;
            this.recordsPerSecond = recordsPerSecond;
        }

        @Override
        public Boundedness getBoundedness() {
            return inner.getBoundedness();
        }

        @Override
        public SourceReader<T, S> createReader(SourceReaderContext context) throws Exception {
            SourceReader<T, S> reader = inner.createReader(context);
            Counter emitted = context.metricGroup().getIOMetricGroup().getNumRecordsOutCounter();
            double perReader = recordsPerSecond / Math.max(1, context.currentParallelism());
            long startedNanos = System.nanoTime();
            context.metricGroup().setPendingRecordsGauge(() -> {
                long due = (long) ((System.nanoTime() - startedNanos) / 1e9 * perReader);
                return Math.max(0L, due - emitted.getCount());
            });
            return reader;
        }

        @Override
        public SplitEnumerator<S, E> createEnumerator(SplitEnumeratorContext<S> context) throws Exception {
            return inner.createEnumerator(context);
        }

        @Override
        public SplitEnumerator<S, E> restoreEnumerator(SplitEnumeratorContext<S> context, E checkpoint)
                throws Exception {
            return inner.restoreEnumerator(context, checkpoint);
        }

        @Override
        public SimpleVersionedSerializer<S> getSplitSerializer() {
            return inner.getSplitSerializer();
        }

        @Override
        public SimpleVersionedSerializer<E> getEnumeratorCheckpointSerializer() {
            return inner.getEnumeratorCheckpointSerializer();
        }

        @Override
        public TypeInformation<T> getProducedType() {
            return type;
        }
    }

    /** Counts records per key in {@link ValueState}; emits (key, count). */
    static final class CountPerKey extends KeyedProcessFunction<Long, Long, Tuple2<Long, Long>> {
        private final long workMicros;
        private final long failAt;
        private final long sourceStartTimeMs;
        private transient ValueState<Long> counter;
        private transient long maxCount;

        CountPerKey(long workMicros, long failAt, long sourceStartTimeMs) {
            this.workMicros = workMicros;
            this.failAt = failAt;
            this.sourceStartTimeMs = sourceStartTimeMs;
        }

        @Override
        public void open(OpenContext context) {
            counter = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            getRuntimeContext().getMetricGroup().gauge("maxCount", (Gauge<Long>) () -> maxCount);
            getRuntimeContext().getMetricGroup().gauge("sourceStartTimeMs", (Gauge<Long>) () -> sourceStartTimeMs);
        }

        @Override
        public void processElement(Long value, Context context, Collector<Tuple2<Long, Long>> out) throws Exception {
            long next = (counter.value() == null ? 0L : counter.value()) + 1;
            counter.update(next);
            maxCount = Math.max(maxCount, next);
            if (failAt > 0 && next >= failAt) {
                throw new IllegalStateException("failing on purpose: key " + context.getCurrentKey() + " reached " + next);
            }
            if (workMicros > 0) {
                long until = System.nanoTime() + workMicros * 1000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            out.collect(Tuple2.of(context.getCurrentKey(), next));
        }
    }
}
