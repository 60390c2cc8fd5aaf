package dev.apalis.schedule;

/**
 * Whether a slot fires while the task of the schedule's previous run is unfinished (waiting, running
 * or waiting to be retried).
 */
public enum Overlap {

    /** Every slot pushes its task, whether or not the previous one finished. */
    ALLOW,

    /**
     * A slot whose previous run is unfinished is skipped (and counted as skipped), so that at most one
     * task of the schedule is ever unfinished.
     */
    SKIP
}
