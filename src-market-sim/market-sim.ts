// The simulator's entry when the app starts it (`serve` among the arguments):
// a file of its own name, so that bundles do not confuse it with the service's cli.
import './cli';
