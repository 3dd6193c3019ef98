# Independent check of TestSafeWinCeilingVsRandom (rl/game/game_test.go): the best
# win probability against a uniformly random tic-tac-toe player of an agent
# that only plays minimax-optimal moves. Run: /usr/bin/python3 rl/game/testdata/ttt_ceiling.py
# Prints X 191/192 = 0.99479..., O 866/945 = 0.91640..., overall 0.95560.
from functools import lru_cache
L=[(0,1,2),(3,4,5),(6,7,8),(0,3,6),(1,4,7),(2,5,8),(0,4,8),(2,4,6)]
def win(b):
    for a,c,d in L:
        if b[a]!='.' and b[a]==b[c]==b[d]: return b[a]
    return None
def tomove(b): return 'X' if b.count('X')==b.count('O') else 'O'
@lru_cache(None)
def mm(b):  # value for player to move
    w=win(b)
    if w: return -1
    if '.' not in b: return 0
    p=tomove(b)
    return max(-mm(b[:i]+p+b[i+1:]) for i in range(9) if b[i]=='.')
@lru_cache(None)
def ex(b,me):  # (pwin,pdraw) for me; me safe-maximizing, other uniform
    w=win(b)
    if w: return (1.0,0) if w==me else (0.0,0)
    if '.' not in b: return (0.0,1.0)
    p=tomove(b); mv=[i for i in range(9) if b[i]=='.']
    kids=[b[:i]+p+b[i+1:] for i in mv]
    if p==me:
        best=max(-mm(k) for k in kids)
        return max(ex(k,me) for k in kids if -mm(k)==best)
    r=[ex(k,me) for k in kids]
    return (sum(x[0] for x in r)/len(r), sum(x[1] for x in r)/len(r))
e=ex('.'*9,'X'); o=ex('.'*9,'O')
print('ceiling X',e,'O',o,'overall',(e[0]+o[0])/2)
