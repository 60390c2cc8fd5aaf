package dev.apalis.sample.crm;

/**
 * The payload of a {@code crm-sync} task: a contact to create or update in the CRM.
 *
 * @param signup the signup's id, the contact's key in the CRM
 * @param email the contact's address
 * @param name the contact's name
 */
public record CrmContact(long signup, String email, String name) {
}
