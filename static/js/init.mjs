// Starts the GOV.UK Frontend components on every page.
import { initAll } from "../build/govuk-frontend.min.js";

initAll();
