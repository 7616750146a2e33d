/** The current route as rune state, following `location.hash`. */
import { parseRoute, routeHash, type Route } from './route'

let current = $state<Route>(parseRoute(location.hash))

window.addEventListener('hashchange', () => {
  current = parseRoute(location.hash)
})

export const router = {
  get route(): Route {
    return current
  },
  go(route: Route): void {
    const hash = routeHash(route)
    if (location.hash === hash) current = parseRoute(hash)
    else location.hash = hash
  },
}
