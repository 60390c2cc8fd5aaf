package dev.apalis.sample.signup;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /signups} with {@code {"email": "...", "name": "..."}}: stores the signup and pushes its
 * tasks, answering {@code 201} with a {@link SignupReceipt}; {@code 400} for a missing name or an
 * address without {@code @}, {@code 409} for an address that signed up before (nothing is pushed).
 */
@RestController
class SignupController {

    private final SignupService signups;

    SignupController(SignupService signups) {
        this.signups = signups;
    }

    @PostMapping("/signups")
    @ResponseStatus(HttpStatus.CREATED)
    SignupReceipt signUp(@RequestBody Signup signup) {
        if (signup.email() == null || !signup.email().contains("@") || signup.name() == null
                || signup.name().isBlank()) {
            throw new IllegalArgumentException("A signup needs an e-mail address and a name");
        }
        return this.signups.signUp(signup);
    }

    @ExceptionHandler
    ProblemDetail invalid(IllegalArgumentException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    @ExceptionHandler
    ProblemDetail duplicate(DuplicateKeyException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
                "This address signed up before; the transaction was rolled back and no task was pushed");
    }
}
