package io.optoutgw.consent;

import java.util.List;
import java.util.stream.Collectors;

/**
 * One action of {@link ConsentModelTest} against the two gateways. Each step checks the answers it
 * gets against the {@link ConsentModel} as it runs; {@link #toString()} is what a shrunk failing
 * chain prints. Persons are p1..p3, instances gw0 and gw1.
 */
sealed interface Step {

    void run(ConsentWorld w) throws Exception;

    /** A single-part MO from a person to a short code. */
    record Mo(int person, int code, String text, int spelling, int instance) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.mo(w.moSpec(person, spelling, ConsentWorld.SHORT_CODES[code], text), instance);
        }

        @Override
        public String toString() {
            return "MO p" + (person + 1) + " -> " + ConsentWorld.SHORT_CODES[code] + " \"" + text + "\" ("
                    + List.of("TON1 D", "TON1 +D", "TON0 +D").get(spelling % 3) + ") @gw" + instance;
        }
    }

    /** The SMSC delivers the {@code back}-th most recent single-part MO again. */
    record Redeliver(int back, int instance) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.redeliver(back, instance);
        }

        @Override
        public String toString() {
            return "redeliver MO #-" + (back + 1) + " @gw" + instance;
        }
    }

    /** "STOP" in 2 or 3 concatenated parts, in any order, each part to either instance. */
    record ConcatStop(int person, int code, List<Integer> cuts, List<Integer> order, List<Integer> instances, int ref)
            implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.concatenatedStop(person, ConsentWorld.SHORT_CODES[code], cuts, order, instances, ref);
        }

        @Override
        public String toString() {
            return "concatenated STOP p" + (person + 1) + " -> " + ConsentWorld.SHORT_CODES[code] + " cut at " + cuts
                    + ", parts in order " + order + " @gw" + instances + " ref " + ref;
        }
    }

    /** POST /api/suppressions. */
    record AdminAdd(int person, int scope, int spelling, int instance) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.adminAdd(person, ConsentWorld.ADMIN_SCOPES[scope], spelling, instance);
        }

        @Override
        public String toString() {
            return "admin add p" + (person + 1) + " " + ConsentWorld.ADMIN_SCOPES[scope] + " (number spelling "
                    + spelling + ") @gw" + instance;
        }
    }

    /** DELETE /api/suppressions/{number}. */
    record AdminRemove(int person, int scope, int spelling, int instance) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.adminRemove(person, ConsentWorld.ADMIN_SCOPES[scope], spelling, instance);
        }

        @Override
        public String toString() {
            return "admin remove p" + (person + 1) + " " + ConsentWorld.ADMIN_SCOPES[scope] + " (number spelling "
                    + spelling + ") @gw" + instance;
        }
    }

    /** POST /api/suppressions/import with rows (person, scope index, spelling). */
    record Import(List<List<Integer>> rows, int instance) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.importCsv(
                    rows.stream()
                            .map(r -> new int[] {r.get(0), r.get(1), r.get(2)})
                            .toList(),
                    instance);
        }

        @Override
        public String toString() {
            return "import CSV "
                    + rows.stream()
                            .map(r -> "p" + (r.get(0) + 1) + " "
                                    + ConsentWorld.IMPORT_SCOPES[r.get(1) % ConsentWorld.IMPORT_SCOPES.length])
                            .collect(Collectors.joining(", ", "[", "]"))
                    + " @gw" + instance;
        }
    }

    /** submit_sm or data_sm. */
    record Submit(
            ConsentWorld.SubmitKind kind, int account, int sender, int person, int dest, int serviceType, int instance)
            implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.submit(kind, account, sender, person, dest, serviceType, instance);
        }

        @Override
        public String toString() {
            return (kind == ConsentWorld.SubmitKind.SUBMIT_SM ? "submit_sm " : "data_sm ")
                    + ConsentWorld.ACCOUNTS[account]
                    + " from \"" + ConsentWorld.SENDERS[account][sender] + "\" service_type \""
                    + ConsentWorld.SERVICE_TYPES[serviceType] + "\" to p" + (person + 1) + " ("
                    + ConsentWorld.describeDest(dest) + ") @gw" + instance;
        }
    }

    /** submit_multi to distinct persons, each (person, destination spelling). */
    record SubmitMulti(int account, int sender, List<List<Integer>> dests, int serviceType, int instance)
            implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.submitMulti(
                    account,
                    sender,
                    dests.stream().map(d -> new int[] {d.get(0), d.get(1)}).toList(),
                    serviceType,
                    instance);
        }

        @Override
        public String toString() {
            return "submit_multi " + ConsentWorld.ACCOUNTS[account] + " from \"" + ConsentWorld.SENDERS[account][sender]
                    + "\" service_type \"" + ConsentWorld.SERVICE_TYPES[serviceType] + "\" to "
                    + dests.stream()
                            .map(d -> "p" + (d.get(0) + 1) + " (" + ConsentWorld.describeDest(d.get(1)) + ")")
                            .collect(Collectors.joining(", "))
                    + " @gw" + instance;
        }
    }

    /** Redis frozen (SIGSTOP) during a few MO and submits, then thawed; the SMSC retries unacknowledged MO. */
    record RedisFrozen(List<Step> during) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.whileRedisFrozen(during);
        }

        @Override
        public String toString() {
            return "Redis frozen during " + during;
        }
    }

    /** kill -9 Redis, start it empty on the same port, wait for both instances to reconcile. */
    record RedisRestartedEmpty() implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.restartRedisEmpty();
        }

        @Override
        public String toString() {
            return "Redis restarted empty (reconciled)";
        }
    }

    /** A gateway instance stopped and started again on its journal. */
    record GatewayRestarted(int instance) implements Step {
        @Override
        public void run(ConsentWorld w) throws Exception {
            w.restartGateway(instance);
        }

        @Override
        public String toString() {
            return "gw" + instance + " restarted on its journal";
        }
    }
}
