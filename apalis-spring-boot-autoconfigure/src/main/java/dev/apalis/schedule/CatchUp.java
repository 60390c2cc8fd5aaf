package dev.apalis.schedule;

/**
 * What a schedule does with the slots that passed while no node could fire them (the whole cluster
 * was down, or the schedule's round came late). A slot counts as missed once it is more than
 * {@link Schedule#ON_TIME} old; a slot fired within that is on time whatever the policy.
 */
public enum CatchUp {

    /** Missed slots are skipped: the schedule goes on with its next slot. */
    NONE,

    /** One run stands for every missed slot: the latest one is pushed, the others are skipped. */
    LAST,

    /**
     * Every missed slot is pushed, the most recent {@link Schedule#catchUpLimit()} of them at most; the
     * older ones are skipped.
     */
    ALL
}
