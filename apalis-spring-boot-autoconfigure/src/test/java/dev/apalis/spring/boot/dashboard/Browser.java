package dev.apalis.spring.boot.dashboard;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium driven by Selenium WebDriver, from Debian's {@code chromium} and
 * {@code chromium-driver} packages (or the paths in {@code APALIS_CHROMIUM} and
 * {@code APALIS_CHROMEDRIVER}), never downloaded. Without them the browser tests are skipped with a
 * message, or fail when {@code APALIS_REQUIRE_BROWSER=true} (as on CI).
 */
final class Browser {

    static final Path SCREENSHOTS = Paths.get("target", "dashboard-screenshots");

    private static final String CHROMIUM = env("APALIS_CHROMIUM", "/usr/bin/chromium");

    private static final String CHROMEDRIVER = env("APALIS_CHROMEDRIVER", "/usr/bin/chromedriver");

    private Browser() {
    }

    /** Skips the calling tests when no browser is installed, or fails them when one is required. */
    static void requireInstalled() {
        boolean installed = Files.isExecutable(Paths.get(CHROMIUM)) && Files.isExecutable(Paths.get(CHROMEDRIVER));
        if (installed) {
            return;
        }
        String message = "No browser for the dashboard's browser tests: " + CHROMIUM + " and " + CHROMEDRIVER
                + " are needed (Debian: apt-get install chromium chromium-driver; or set APALIS_CHROMIUM and "
                + "APALIS_CHROMEDRIVER)";
        if ("true".equalsIgnoreCase(System.getenv("APALIS_REQUIRE_BROWSER"))) {
            Assertions.fail(message + ", and APALIS_REQUIRE_BROWSER=true");
        }
        Assumptions.abort(message + "; skipped");
    }

    /** A new headless browser with a fresh profile. */
    static ChromeDriver start() {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER);
        Path profile;
        try {
            profile = Files.createTempDirectory("apalis-chromium-");
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--window-size=1366,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30)).scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    /** Saves what the browser shows to {@code target/dashboard-screenshots/<name>.png}. */
    static Path screenshot(ChromeDriver driver, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
            File shot = driver.getScreenshotAs(OutputType.FILE);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return (value != null && !value.isBlank()) ? value : fallback;
    }

}
